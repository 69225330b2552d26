"""The ladder: one session's handshake as a sequence diagram, client left, server right."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tlstui.analysis.model import Event, Session
from tlstui.output import describe
from tlstui.ui.messages import EventHighlighted
from tlstui.ui.palette import ENCRYPTED, FAIL, RESET, WARN

MIN_INNER = 10  # the arrow area never gets narrower than this
WANT_INNER = (19, 14)  # below these, the +ms column and then the ms column are dropped


def fit_columns(width: int, columns: tuple[int, int, int]) -> tuple[int, int, int]:
    """The frame, ms and +ms column widths that leave the arrows room in *width* cells; a
    dropped column has width 0.  The frame number always stays (Wireshark's key)."""
    fw, tw, dw = columns
    for want in WANT_INNER:
        if width - _prefix_len((fw, tw, dw)) - 2 >= want:
            break
        if dw:
            dw = 0
        else:
            tw = 0
    return (fw, tw, dw)


def _prefix_len(columns: tuple[int, int, int]) -> int:
    return sum(w + 1 for w in columns if w)


def _prefix(values: tuple[str, str, str], columns: tuple[int, int, int]) -> str:
    return "".join(f"{v:>{w}} " for v, w in zip(values, columns, strict=True) if w)


def line_style(events: list[Event]) -> str:
    first = events[0]
    if describe.is_fatal_alert(first):
        return f"bold {FAIL}"
    if describe.is_warning_alert(first):
        return WARN
    if first.type == "RST":
        return f"bold {RESET}"
    if first.type == "FIN":
        return "dim"
    if all(e.encrypted for e in events):
        return f"italic {ENCRYPTED}"
    return ""


# Shorter names, applied in this order only to a label that does not fit its line: a person
# still recognises each, and no word is ever cut in the middle.
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("EncryptedHandshake", "EncHandshake"),
    ("EncryptedExtensions", "EncExtensions"),
    ("ClientKeyExchange", "ClientKeyEx"),
    ("ServerKeyExchange", "ServerKeyEx"),
    ("ServerHelloDone", "HelloDone"),
    ("ChangeCipherSpec", "CCS"),
    ("CertificateRequest", "CertRequest"),
    ("CertificateVerify", "CertVerify"),
    ("NewSessionTicket", "SessionTicket"),
    ("ApplicationData", "AppData"),
    ("Certificate", "Cert"),
    (" (decrypted)", " (dec)"),
    ("EncHandshake", "EncHS"),
)


def _words_to_lines(item: str, room: int) -> list[str]:
    """*item* on lines of at most *room* cells, broken between words only; a single word
    longer than a line is cut with an ellipsis (never continued on the next line)."""
    lines: list[str] = []
    for word in item.split(" "):
        if len(word) > room:
            word = word[: room - 1] + "…"
        if lines and len(lines[-1]) + 1 + len(word) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def label_lines(label: str, room: int) -> list[str]:
    """A ladder label on lines of at most *room* cells.

    Rules, in order: the label as is when it fits; else the abbreviations; then one line per
    comma-separated message (packed while they fit); a message still too long breaks between
    words, so an alert's name goes on its own line ("Alert fatal 45" / "certificate_expired").
    """
    room = max(room, 4)
    if len(label) <= room:
        return [label]
    for long, short in ABBREVIATIONS:
        label = label.replace(long, short)
        if len(label) <= room:
            return [label]
    lines: list[str] = []
    for item in label.split(", "):
        if lines and len(lines[-1]) + 2 + len(item) <= room:
            lines[-1] += ", " + item
        else:
            if lines:
                lines[-1] += ","
            lines += _words_to_lines(item, room)
    return lines


def time_columns(session: Session, groups: list[list[int]]) -> list[tuple[str, str]]:
    """Per ladder line: ms since the session's first packet, and ``+ms`` since the line
    before (blank on the first line)."""
    out: list[tuple[str, str]] = []
    previous: float | None = None
    for group in groups:
        t = session.events[group[0]].time
        since = describe.ms_since(t, session.start)
        delta = "" if previous is None else "+" + describe.ms_since(t, previous)
        previous = t
        out.append((since, delta))
    return out


def ladder_prompt(
    events: list[Event],
    times: tuple[str, str],
    width: int,
    columns: tuple[int, int, int],
    evidence: bool = False,
    same_frame: bool = False,
) -> Text:
    """The (possibly multi-line) text of one ladder line of *width* cells.

    *columns* are the widths of the frame, time and delta columns; *same_frame* leaves them
    blank when the line continues the previous line's frame (one sender's flight).
    """
    first = events[0]
    label = describe.group_label(events)
    columns = fit_columns(width, columns)
    if same_frame:
        prefix = " " * _prefix_len(columns)
    else:
        prefix = _prefix((str(first.frame), times[0], times[1]), columns)
    inner = max(width - len(prefix) - 2, MIN_INNER)
    room = inner - 4  # arrow head, two spaces, one dash
    chunks = label_lines(label, room) or [""]
    style = line_style(events)
    text = Text()
    mark = "◆" if evidence else " "
    for i, chunk in enumerate(chunks):
        if i:
            text.append("\n")
        lead = prefix if i == 0 else " " * len(prefix)
        if i == 0:
            lead = lead[:-1] + mark
        text.append(lead, style="dim" if i == 0 and not evidence else "bold")
        text.append("│", style="dim")
        if i == 0:
            dashes = inner - len(chunk) - 4
            if first.sender == "client":
                body = Text.assemble(
                    ("─ ", style), (chunk, style), (" " + "─" * dashes, style), ("▶", style)
                )
            else:
                body = Text.assemble(
                    ("◀", style), ("─" * dashes + " ", style), (chunk, style), (" ─", style)
                )
        else:
            pad = inner - len(chunk)
            if first.sender == "client":
                body = Text.assemble("  ", (chunk, style), " " * (pad - 2))
            else:
                body = Text.assemble(" " * (pad - 2), (chunk, style), "  ")
        text.append_text(body)
        text.append("│", style="dim")
    return text


def ladder_header(width: int, columns: tuple[int, int, int]) -> Text:
    columns = fit_columns(width, columns)
    prefix = _prefix(("No.", "ms", "+ms"), columns)
    inner = max(width - len(prefix) - 2, MIN_INNER)
    gap = inner + 2 - len("client") - len("server")
    return Text(prefix + "client" + " " * max(gap, 1) + "server", style="bold")


class LadderView(OptionList):
    """The ladder lines; one option per line, posting ``EventHighlighted``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "screen.focus_pane('detail')",
            "Detail",
            id="ladder.detail",
            tooltip="go to the selected line's detail",
        ),
        Binding("j", "cursor_down", "Down", show=False, id="ladder.down"),
        Binding("k", "cursor_up", "Up", show=False, id="ladder.up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self.session: Session | None = None
        self.groups: list[list[int]] = []
        self.times: list[tuple[str, str]] = []
        self._width = 0

    @property
    def columns(self) -> tuple[int, int, int]:
        """Widths of the frame, time and delta columns for this session."""
        if not self.session or not self.session.events:
            return (3, 3, 3)
        events = self.session.events
        frame = max(3, len(str(max(e.frame for e in events))))
        time = max([3] + [len(t) for t, _ in self.times])
        delta = max([3] + [len(d) for _, d in self.times])
        return (frame, time, delta)

    def _content_width(self) -> int:
        # Always leave room for the scrollbar: whether it shows depends on timing, and a
        # width that changes with it made the ladder one cell narrower on some runs.
        width = self.content_region.width - self.styles.scrollbar_size_vertical
        return max(width - 1, 16)

    def show(self, session: Session | None) -> None:
        self.session = session
        self.groups = describe.ladder_groups(session.events, merge=False) if session else []
        self.times = time_columns(session, self.groups) if session else []
        self._render_options()

    def _render_options(self, keep: int | None = None) -> None:
        self._width = self._content_width()
        self.clear_options()
        session = self.session
        if session is None:
            return
        evidence = set(session.diagnosis.best.evidence) if session.diagnosis else set()
        columns = self.columns
        options = []
        previous: Event | None = None
        for n, group in enumerate(self.groups):
            events = [session.events[i] for i in group]
            same = (
                previous is not None
                and previous.frame == events[0].frame
                and previous.sender == events[0].sender
            )
            prompt = ladder_prompt(
                events,
                self.times[n],
                self._width,
                columns,
                evidence=not same and any(e.frame in evidence for e in events),
                same_frame=same,
            )
            previous = events[0]
            options.append(Option(prompt, id=f"line-{n}"))
        self.add_options(options)
        if keep is not None and keep < len(options):
            self.highlighted = keep

    def on_resize(self) -> None:
        if self.session is not None and self._content_width() != self._width:
            self._render_options(self.highlighted)

    def highlight_interesting(self) -> None:
        """Move to the first error alert (else the first line)."""
        if not self.session or not self.groups:
            return
        target = 0
        for n, group in enumerate(self.groups):
            if any(describe.is_fatal_alert(self.session.events[i]) for i in group):
                target = n
                break
        self.highlighted = target

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.session is not None and 0 <= event.option_index < len(self.groups):
            self.post_message(
                EventHighlighted(self.session.id, tuple(self.groups[event.option_index]))
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    def action_select(self) -> None:
        """Enter is bound to the detail pane instead (see BINDINGS)."""


class LadderPane(Vertical):
    """The ladder with its column header."""

    ALLOW_MAXIMIZE = True

    def compose(self) -> ComposeResult:
        yield Static(id="ladder-header")
        yield LadderView(id="ladder")

    def show(self, session: Session | None) -> None:
        ladder = self.query_one(LadderView)
        ladder.show(session)
        self._update_header()
        if session is None:
            self.border_title = "Ladder"
        else:
            self.border_title = f"Ladder #{session.id}"

    def _update_header(self) -> None:
        ladder = self.query_one(LadderView)
        header = self.query_one("#ladder-header", Static)
        header.update(
            ladder_header(ladder._content_width(), ladder.columns) if ladder.session else Text("")
        )

    def on_resize(self) -> None:
        self._update_header()
