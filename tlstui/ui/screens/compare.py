"""The compare screen: a session next to another (its partner, or the marked one).

What differs comes first, each row marked ``≠`` (and coloured); the fields that are the same are
folded into one line marked ``=``.  From 160 columns the two sessions stand side by side (field,
a, b); narrower, each field's values are stacked under its name, so 80x24 reads without
horizontal scrolling.  Every value in a Comparison went through ``safe_text``; all of it is
built into ``Text`` objects, never parsed as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tlstui.analysis.compare import Comparison, Difference
from tlstui.analysis.model import Report, Session
from tlstui.output import describe
from tlstui.output.compare_text import SHOWN, value_text
from tlstui.textsafe import safe_text
from tlstui.ui.palette import FAIL, MUTED, OK, WARN

SIDE_BY_SIDE = 160  # screen width from which a and b stand in two columns
DIFF_MARK = "≠"
SAME_MARK = "="
_STATUS_STYLE = {"ok": OK, "failed": f"bold {FAIL}", "incomplete": WARN}


def _some(items: list[str]) -> str:
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (f" (+{more} more)" if more > 0 else "")


def side_values(d: Difference) -> tuple[str, str]:
    """What each side shows for one differing field: for a list field with both sides seen,
    what only that side has (and a note when the shared items are reordered)."""
    if d.is_list and isinstance(d.a, list) and isinstance(d.b, list):

        def side(only: list[str], items: list[str], other: str) -> str:
            text = f"only here: {_some(only)}" if only else ""
            if not text:
                n = len(items)
                text = f"{n} item{'s' if n != 1 else ''}, all in {other} too" if n else "(none)"
            if d.reordered:
                text += "; shared items in another order"
            return text

        return side(d.only_a, d.a, "b"), side(d.only_b, d.b, "a")
    return value_text(d.a), value_text(d.b)


def _who(s: Session, label: str, capture: str | None) -> Text:
    text = Text()
    text.append(f"{label}  ", style="bold")
    text.append(f"#{s.id} ")
    text.append(describe.status_mark(s.status) + " ", style=_STATUS_STYLE.get(s.status, ""))
    if capture:
        text.append(f"  {safe_text(Path(capture).name, 60)}")
    text.append(f"  {s.client} → {s.server}")
    sni = describe.sni_text(s, 60)
    text.append(f"  SNI {sni}" if sni else "  no SNI")
    if s.diagnosis is not None and s.status != "ok":
        text.append(f"  {s.diagnosis.best.cause}", style="bold")
    return text


def header(c: Comparison) -> Group:
    parts: list[RenderableType] = [
        _who(c.a, "a", c.capture_a),
        _who(c.b, "b", c.capture_b),
    ]
    if c.partner_reason:
        parts.append(Text(f"   why b: {c.partner_reason}", style=MUTED))
    parts.append(Text(""))
    parts.append(Text(c.summary, style="bold"))
    where = Text()
    where.append("Where the ladders part: ", style="bold")
    where.append(c.parting.text)
    parts.append(where)
    parts.append(Text(""))
    return Group(*parts)


def _count_line(c: Comparison) -> Text:
    n, m = len(c.differences), len(c.same)
    text = Text()
    text.append(f"{DIFF_MARK} {n} field{'s' if n != 1 else ''} differ", style=f"bold {WARN}")
    text.append(f"   {SAME_MARK} {m} the same", style=MUTED)
    return text


def _same_line(c: Comparison) -> Text:
    text = Text(f"{SAME_MARK} same: ", style=MUTED)
    text.append(", ".join(d.field for d in c.same), style=MUTED)
    return text


def side_by_side(c: Comparison) -> Group:
    """Field | a | b, the differences only, then the same fields in one line."""
    table = Table(box=None, pad_edge=False, expand=True, show_edge=False, header_style="bold")
    table.add_column("", no_wrap=True, width=1)
    table.add_column("field", no_wrap=True)
    table.add_column(f"a  #{c.a.id} {describe.status_mark(c.a.status)}", ratio=1)
    table.add_column(f"b  #{c.b.id} {describe.status_mark(c.b.status)}", ratio=1)
    for d in c.differences:
        a, b = side_values(d)
        table.add_row(
            Text(DIFF_MARK, style=f"bold {WARN}"),
            Text(d.field, style=WARN),
            Text(a),
            Text(b),
        )
    return Group(header(c), _count_line(c), table, Text(""), _same_line(c))


_FIELD = 20  # field-name column of the stacked view
_SHORT = 22  # values this short share the field's line in the stacked view


def stacked(c: Comparison, width: int = 80) -> Group:
    """Each differing field on one line when both values are short (``≠ field  a: x  b: y``),
    else a name line and one line per side: readable at 80 columns."""
    lines: list[RenderableType] = [header(c), _count_line(c)]
    for d in c.differences:
        a, b = side_values(d)
        head = Text()
        head.append(f"{DIFF_MARK} ", style=f"bold {WARN}")
        head.append(f"{d.field:<{_FIELD}}", style=f"bold {WARN}")
        if len(a) <= _SHORT and len(b) <= _SHORT and width >= 2 + _FIELD + 2 * (_SHORT + 3) + 1:
            head.append("a: ", style="bold")
            head.append(f"{a:<{_SHORT + 1}}")
            head.append("b: ", style="bold")
            head.append(b)
            lines.append(head)
            continue
        lines.append(head)
        for tag, value in (("a", a), ("b", b)):
            row = Text()
            row.append(f"    {tag}: ", style="bold")
            row.append(value)
            lines.append(row)
    lines += [Text(""), _same_line(c)]
    return Group(*lines)


class CompareView(VerticalScroll, can_focus=True):
    """The scrollable comparison; re-laid out when the screen crosses SIDE_BY_SIDE."""

    def __init__(self, comparison: Comparison, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.comparison = comparison
        self._wide: tuple[bool, int] | None = None  # the layout drawn: (side by side, width)

    def compose(self) -> ComposeResult:
        yield Static(id="compare-body")

    def on_mount(self) -> None:
        self._render_body()

    def on_resize(self) -> None:
        self._render_body()

    def _render_body(self) -> None:
        wide = self.app.size.width >= SIDE_BY_SIDE
        if (wide, self.size.width) == self._wide:
            return
        self._wide = (wide, self.size.width)
        if wide:
            body = side_by_side(self.comparison)
        else:
            body = stacked(self.comparison, self.size.width - 2)
        self.query_one("#compare-body", Static).update(body)


class CompareScreen(Screen[None]):
    """Two sessions compared; Esc goes back to the main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="compare.back"),
        Binding("e", "export", "Export", id="compare.export"),
        # The keys the help lists for moving in a pane (the arrows scroll it already).
        Binding("j", "scroll(1)", show=False),
        Binding("k", "scroll(-1)", show=False),
    ]

    def __init__(self, report: Report, comparison: Comparison) -> None:
        super().__init__()
        self.report = report
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        yield CompareView(self.comparison, id="compare")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        c = self.comparison
        view = self.query_one(CompareView)
        view.border_title = (
            f"Compare #{c.a.id} {describe.status_glyph(c.a.status)} "
            f"with #{c.b.id} {describe.status_glyph(c.b.status)}"
        )
        view.border_subtitle = "Esc back · e export"
        view.focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, lines: int) -> None:
        self.query_one(CompareView).scroll_relative(y=lines, animate=False)

    def action_export(self) -> None:
        from tlstui.output.markdown import comparison_filename, comparison_markdown

        text = comparison_markdown(self.report, self.comparison)
        name = comparison_filename(self.comparison)
        try:
            Path(name).write_text(text, encoding="utf-8")
        except OSError as error:
            self.notify(f"Could not write {name}: {error.strerror}", severity="error")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Wrote {name} (also copied to the clipboard)", title="Exported")
