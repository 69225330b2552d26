"""The sessions list: one row per TLS session, columns chosen by the available width."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tlstui.analysis.model import Session
from tlstui.output import describe
from tlstui.ui.messages import SessionChosen, SessionHighlighted
from tlstui.ui.palette import FAIL, OK, WARN

STATUS_STYLES = {"ok": OK, "failed": f"bold {FAIL}", "incomplete": WARN}


def _status_glyph(s: Session) -> Text:
    if s.in_progress:
        return Text("◌")
    return Text(describe.status_glyph(s.status), style=STATUS_STYLES.get(s.status, ""))


def _status_mark(s: Session) -> Text:
    if s.in_progress:
        return Text("◌ open")  # a connection still in progress (live view)
    return Text(describe.status_mark(s.status), style=STATUS_STYLES.get(s.status, ""))


def _outcome(s: Session, short: bool) -> Text:
    text = describe.outcome_short(s) if short else describe.outcome_text(s)
    style = FAIL if s.failed and text else (WARN if text else "")
    return Text(text, style=style)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # the least it may shrink to
    most: int  # the most it needs
    cell: Callable[[Session], Text]
    flex: int = 0  # shrinks (and grows) in proportion; 0 = never
    justify: str = "left"
    optional: bool = False  # dropped when the row cannot hold it at its least width


def _version_short(s: Session) -> Text:
    return Text(describe.session_version_short(s))


def _version_wide(s: Session) -> Text:
    return Text(describe.session_version_text(s))


def _duration(s: Session) -> Text:
    return Text(describe.duration_text(s.end - s.start))


def _capture(s: Session) -> Text:
    return Text(PurePath(s.capture).name if s.capture else "")


_SEPARATORS = "-_. "


def distinct_names(paths: Sequence[str]) -> dict[str, str]:
    """Each capture path -> the part of its file name that tells it from the others.

    ``proxy-upstream-untrusted-client-leg.pcap`` and ``...-upstream-leg.pcap`` share their
    first 25 characters, so a narrow column cut from the end showed the same text for both:
    the shared start (up to a ``-``, ``_`` or ``.``) becomes ``…`` and an extension they all
    share is left out.  A single name, or names with nothing long in common, stay whole.
    """
    names = {p: PurePath(p).name for p in dict.fromkeys(paths)}
    if len(set(names.values())) < 2:
        return names
    stems = list(names.values())
    suffixes = {PurePath(n).suffix for n in stems}
    if len(suffixes) == 1 and "" not in suffixes:
        cut = len(next(iter(suffixes)))
        if all(len(n) > cut for n in stems):
            names = {p: n[:-cut] for p, n in names.items()}
    values = list(names.values())
    common = 0
    for chars in zip(*values, strict=False):
        if len(set(chars)) != 1:
            break
        common += 1
    # Cut after the last separator of the shared start, so a word is never split.
    boundary = max((i + 1 for i in range(common) if values[0][i] in _SEPARATORS), default=0)
    if boundary >= 4 and all(len(v) > boundary for v in values):
        names = {p: "…" + n[boundary:] for p, n in names.items()}
    return names


# Shown only when sessions come from several captures (layout() drops it otherwise); the
# table puts in a cell that shows each file's distinct part (distinct_names).
CAPTURE = Column("cap", "capture", 13, 40, _capture, flex=1)
# Below TIGHT_BELOW it may shrink further, so the row still fits at 60 columns.
CAPTURE_TIGHT = replace(CAPTURE, width=6)

NARROW: tuple[Column, ...] = (
    Column("id", "#", 2, 6, lambda s: Text(str(s.id)), justify="right"),
    CAPTURE,
    Column("st", "", 1, 1, _status_glyph),
    Column("server", "server", 12, 47, lambda s: Text(str(s.server)), flex=1),
    Column("sni", "SNI", 6, 40, lambda s: Text(describe.sni_text(s)), flex=2),
    Column("ver", "TLS", 3, 4, _version_short),
    Column("end", "alert / close", 13, 30, lambda s: _outcome(s, True), flex=2),
    Column("dur", "time", 7, 9, _duration, justify="right"),
)

# Below TIGHT_BELOW cells the duration goes, so that addresses keep their ports in view.
TIGHT: tuple[Column, ...] = tuple(CAPTURE_TIGHT if c is CAPTURE else c for c in NARROW[:-1])
TIGHT_BELOW = 72

WIDE: tuple[Column, ...] = (
    Column("id", "#", 2, 6, lambda s: Text(str(s.id)), justify="right"),
    CAPTURE,
    Column("st", "status", 8, 12, _status_mark),
    Column("client", "client", 15, 47, lambda s: Text(str(s.client)), flex=1),
    Column("server", "server", 15, 47, lambda s: Text(str(s.server)), flex=1),
    Column("sni", "SNI", 10, 40, lambda s: Text(describe.sni_text(s)), flex=2),
    Column("ver", "version", 7, 8, _version_wide),
    # At least 22 cells: a TLS 1.3 suite's IANA name (TLS_AES_256_GCM_SHA384) stays whole.
    Column(
        "cipher", "cipher", 22, 32, lambda s: Text(describe.cipher_short(s.cipher_suite)), flex=1
    ),
    Column("end", "alert / close", 20, 40, lambda s: _outcome(s, False), flex=2),
    Column("dur", "duration", 8, 9, _duration, justify="right"),
    # The client fingerprint: the same JA4 on every failing row means one client build.
    Column("ja4", "client JA4", 36, 36, lambda s: Text(s.ja4 or ""), optional=True),
)

ENDPOINTS = ("client", "server")  # columns cut inside the host, never inside the port
WIDE_FROM = 130  # table width at which the wide column set is used
MARK = "*"  # drawn in the row's leading cell for the session marked for comparison
PADDING = 1  # cell padding on each side
MEASURE = 2000  # sessions looked at to size the columns


def column_set(
    width: int, several: bool = False, captures: dict[str, str] | None = None
) -> tuple[Column, ...]:
    """The columns for a table *width* wide; the capture column only for *several* files,
    showing *captures* (path -> shown name) when given.
    Below ``TIGHT_BELOW`` cells the duration goes, so addresses keep their ports in view."""
    if width >= WIDE_FROM:
        columns = WIDE
    else:
        columns = NARROW if width >= TIGHT_BELOW else TIGHT
    if not several:
        return tuple(c for c in columns if c not in (CAPTURE, CAPTURE_TIGHT))
    if captures is None:
        return columns
    shown = captures

    def cell(s: Session) -> Text:
        return Text(shown.get(s.capture, PurePath(s.capture).name) if s.capture else "")

    return tuple(replace(c, cell=cell) if c in (CAPTURE, CAPTURE_TIGHT) else c for c in columns)


def measure(columns: tuple[Column, ...], sessions: Sequence[Session]) -> list[int]:
    """The width each column needs for *sessions* (a sample of them), within its bounds."""
    sample = sessions[:MEASURE]
    need = []
    for column in columns:
        content = max((column.cell(s).cell_len for s in sample), default=0)
        need.append(max(column.width, min(column.most, max(content, len(column.label)))))
    return need


def layout(
    width: int,
    sessions: Sequence[Session] = (),
    need: list[int] | None = None,
    several: bool = False,
    captures: dict[str, str] | None = None,
) -> list[tuple[Column, int]]:
    """Columns and their widths for a table *width* cells wide.

    Each column gets what its content needs (within its bounds); when that is too much the
    flexible columns (addresses, SNI, cipher, alert) shrink in proportion, down to their
    minimum; when there is room to spare the flexible columns grow.  *need* is a cached
    ``measure()`` of the same column set.
    """
    columns = column_set(width, several, captures)
    if need is None:
        need = measure(columns, sessions)
    return _fill(columns, need, width)


def _fill(columns: tuple[Column, ...], need: list[int], width: int) -> list[tuple[Column, int]]:
    room = width - 2 * PADDING * len(columns)
    widths = list(need)
    over = sum(widths) - room
    if over > 0:
        # Shrink flexible columns, the roomiest first, one cell at a time.
        while over > 0:
            candidates = [i for i, c in enumerate(columns) if c.flex and widths[i] > c.width]
            if not candidates:
                break
            i = max(candidates, key=lambda i: (widths[i] - columns[i].width) * columns[i].flex)
            widths[i] -= 1
            over -= 1
        if over > 0 and any(c.optional for c in columns):
            # Still too wide: leave out the optional columns (the JA4) rather than cut them.
            keep = [i for i, c in enumerate(columns) if not c.optional]
            return _fill(tuple(columns[i] for i in keep), [need[i] for i in keep], width)
    elif over < 0:
        flex = [i for i, c in enumerate(columns) if c.flex]
        total = sum(columns[i].flex for i in flex)
        spare = -over
        for i in flex:
            widths[i] += spare * columns[i].flex // total
    return list(zip(columns, widths, strict=True))


def fit_endpoint(endpoint: str, width: int) -> str:
    """*endpoint* (``host:port``) in *width* cells, cut inside the host, never the port:
    ``…0.0.1:4433``.  A port is what a person greps for and types into the next command."""
    if len(endpoint) <= width:
        return endpoint
    host, _, port = endpoint.rpartition(":")
    keep = width - len(port) - 2  # the ellipsis and the colon
    if keep < 1 or not host:
        return "…" + endpoint[-(width - 1) :] if width > 1 else endpoint[-width:]
    return "…" + host[-keep:] + ":" + port


def _fit(text: Text, width: int, justify: str, endpoint: bool = False) -> Text:
    if endpoint and text.cell_len > width:
        return Text(fit_endpoint(text.plain, width), style=text.style)
    text = text.copy()
    text.truncate(width, overflow="ellipsis")
    if justify == "right":
        text.pad_left(width - text.cell_len)
    return text


def row_text(session: Session, columns: list[tuple[Column, int]]) -> Text:
    """One row: the cells fitted to their widths, separated by the cell padding."""
    gap = " " * (2 * PADDING)
    text = Text(" " * PADDING, end="", no_wrap=True)
    for n, (column, width) in enumerate(columns):
        if n:
            text.append(gap)
        cell = _fit(column.cell(session), width, column.justify, column.key in ENDPOINTS)
        text.append_text(cell)
        text.append(" " * (width - cell.cell_len))
    return text


def header_text(columns: list[tuple[Column, int]]) -> Text:
    gap = " " * (2 * PADDING)
    parts = [
        column.label.rjust(width) if column.justify == "right" else column.label.ljust(width)
        for column, width in columns
    ]
    return Text(" " * PADDING + gap.join(parts), end="", no_wrap=True)


class SessionsTable(ScrollView, can_focus=True):
    """The sessions list, drawn line by line (only visible rows are rendered, so a capture
    with 100k sessions opens as fast as one with ten).

    Posts ``SessionHighlighted`` when the cursor moves and ``SessionChosen`` on Enter.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sessions--header",
        "sessions--cursor",
        "sessions--cursor-blurred",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "choose",
            "Ladder",
            id="sessions.ladder",
            tooltip="open the session's ladder at its alert",
        ),
        Binding("up,k", "move(-1)", "Up", show=False, id="sessions.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="sessions.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="sessions.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="sessions.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="sessions.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="sessions.last"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sessions: list[Session] = []
        self._universe: list[Session] = []
        self._layout: list[tuple[Column, int]] = []
        self._cache: dict[tuple[int, bool, bool], Strip] = {}
        self._need: dict[tuple[bool, bool, bool], list[int]] = {}
        self._captures: dict[str, str] | None = None  # capture path -> its distinct part
        self._universe_source: Sequence[Session] | None = None
        self._layout_width = 0
        self.cursor_row = 0
        self.marked: int | None = None

    def set_marked(self, session_id: int | None) -> None:
        """Show *session_id* as marked for comparison (None: no mark)."""
        self.marked = session_id
        self._cache.clear()
        self.refresh()

    # --- data -----------------------------------------------------------------------------

    @property
    def sessions(self) -> Sequence[Session]:
        return self._sessions

    @property
    def current(self) -> Session | None:
        if 0 <= self.cursor_row < len(self._sessions):
            return self._sessions[self.cursor_row]
        return None

    def _available(self) -> int:
        # Keep a cell for the vertical scrollbar so the layout does not flip when it appears.
        return max(self.size.width - 1, 40)

    def _layout_now(self) -> list[tuple[Column, int]]:
        width = self._available()
        self._layout_width = width
        sessions = self._universe or self._sessions
        several = bool(sessions) and sessions[0].capture is not None
        if several and self._captures is None:
            self._captures = distinct_names([s.capture for s in sessions if s.capture])
        columns = column_set(width, several, self._captures)
        key = (width >= WIDE_FROM, width >= TIGHT_BELOW, several)
        need = self._need.get(key)
        if need is None:
            need = self._need[key] = measure(columns, sessions)
        return layout(width, need=need, several=several, captures=self._captures)

    def set_sessions(
        self,
        sessions: Sequence[Session],
        keep_id: int | None = None,
        universe: Sequence[Session] | None = None,
    ) -> None:
        """Show *sessions* (already filtered and sorted); keep the cursor on *keep_id*.

        Column widths are measured on *universe* (every session of the capture) so that they
        stay put while the list is filtered.
        """
        if keep_id is None and self.current is not None:
            keep_id = self.current.id
        self._sessions = list(sessions)
        if universe is not None and universe is not self._universe_source:
            self._universe_source = universe
            self._universe = list(universe)
            self._need.clear()
            self._captures = None
        self._layout = self._layout_now()
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self._sessions) + 1)
        row = next((i for i, s in enumerate(self._sessions) if s.id == keep_id), 0)
        self._set_cursor(row, force=True)
        self.refresh()

    def row_plain(self, index: int) -> str:
        """The text of one row as shown (for tests)."""
        return row_text(self._sessions[index], self._layout).plain

    # --- the cursor -------------------------------------------------------------------------

    def _set_cursor(self, row: int, force: bool = False) -> None:
        if not self._sessions:
            self.cursor_row = 0
            self.post_message(SessionHighlighted(None))
            return
        row = max(0, min(row, len(self._sessions) - 1))
        changed = row != self.cursor_row
        old = self.cursor_row
        self.cursor_row = row
        self._scroll_to_cursor()
        if changed or force:
            self._cache.pop((old, True, True), None)
            self._cache.pop((old, True, False), None)
            self.refresh()
            self.post_message(SessionHighlighted(self._sessions[row].id))

    def _rows_visible(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        visible = self._rows_visible()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def select_session(self, session_id: int) -> bool:
        for i, session in enumerate(self._sessions):
            if session.id == session_id:
                self._set_cursor(i)
                return True
        return False

    def action_move(self, step: int) -> None:
        self._set_cursor(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self._set_cursor(self.cursor_row + step * self._rows_visible())

    def action_jump(self, row: int) -> None:
        self._set_cursor(row if row >= 0 else len(self._sessions) - 1)

    def action_choose(self) -> None:
        if self.current is not None:
            self.post_message(SessionChosen(self.current.id))

    # --- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self._layout and self._layout_width != self._available():
            # The widget was sized after the rows were set (it is hidden while loading):
            # the columns follow the room there is now.
            self._layout = self._layout_now()
            self._cache.clear()
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = self.get_component_rich_style("sessions--header")
            text = header_text(self._layout) if self._layout else Text("")
            strip = Strip(text.render(self.app.console), text.cell_len)
            return (
                strip.apply_style(base + style)
                .extend_cell_length(width, base + style)
                .crop(0, width)
            )
        index = round(self.scroll_y) + y - 1
        if index >= len(self._sessions):
            return Strip.blank(width, base)
        selected = index == self.cursor_row
        key = (index, selected, self.has_focus)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        session = self._sessions[index]
        text = row_text(session, self._layout)
        if session.id == self.marked and PADDING:
            text = Text.assemble((MARK, "bold"), text[PADDING:], end="", no_wrap=True)
        cursor = None
        if selected:
            # On the cursor row the cursor's colours win over the cells' (readability).
            cursor = self.get_component_rich_style(
                "sessions--cursor" if self.has_focus else "sessions--cursor-blurred"
            )
        segments = list(Segment.apply_style(text.render(self.app.console), base, cursor))
        fill = base + cursor if cursor else base
        strip = Strip(segments).extend_cell_length(width, fill).crop(0, width)
        if len(self._cache) > 2000:
            self._cache.clear()
        self._cache[key] = strip
        return strip

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._sessions) + 1)
        if self._layout:
            self._layout = self._layout_now()
        self._cache.clear()
        self._scroll_to_cursor()
        self.refresh()

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = round(self.scroll_y) + offset.y - 1
        if row < len(self._sessions):
            self._set_cursor(row)
            if event.chain >= 2:
                self.action_choose()
