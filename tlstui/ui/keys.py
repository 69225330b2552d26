"""Every key of the TUI, described once: the bindings carry their id, their footer word
(``description``) and their help sentence (``tooltip``); the help screen, the command palette
and the README's key list are all built from them here, so they cannot drift apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.binding import Binding, BindingType

KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "up": "↑",
    "down": "↓",
    "home": "Home",
    "end": "End",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "ctrl+p": "Ctrl+P",
    "f1": "F1",
    "space": "Space",
}

# Keys that come from Textual's own widgets and are not declared by tlstui.
NAVIGATION: list[tuple[str, str]] = [
    ("Tab / Shift+Tab", "next / previous pane"),
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn Home End", "page, first, last"),
    ("Ctrl+P", "command palette: every action by name"),
]

# Bindings shown together on one help line: (ids, keys shown, description).
MERGED: list[tuple[tuple[str, ...], str, str]] = [
    (("main.next_failed", "main.previous_failed"), "n N", "next / previous failed session"),
    (
        ("main.focus_sessions", "main.focus_ladder", "main.focus_detail"),
        "1 2 3",
        "focus the sessions / ladder / detail pane",
    ),
]

# Where ``e`` writes, said once for the help screen and the README.
EXPORT_NOTE = (
    "Exports go to the current directory as tlstui-CAPTURE-session-N.md (never overwritten: "
    "a -2, -3 ... suffix is added); the full path is shown."
)


def key_text(keys: str) -> str:
    """``question_mark,f1`` -> ``? F1``."""
    return " ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def help_text(binding: Binding) -> str:
    """The binding's help sentence (its tooltip), else its footer word."""
    return binding.tooltip or binding.description.lower()


def is_navigation(binding: Binding) -> bool:
    """Cursor movement, listed once under "In a pane" rather than per widget."""
    name = (binding.id or "").rpartition(".")[2]
    return name in ("up", "down", "page_up", "page_down", "first", "last")


def binding_rows(bindings: Sequence[BindingType]) -> list[tuple[str, str]]:
    """Help lines for *bindings* (navigation aliases left out, related keys merged)."""
    rows: list[tuple[str, str]] = []
    done: set[str] = set()
    for b in bindings:
        if not isinstance(b, Binding) or b.id in done or is_navigation(b):
            continue
        merged = next((m for m in MERGED if b.id in m[0]), None)
        if merged is not None:
            done.update(merged[0])
            rows.append((merged[1], merged[2]))
            continue
        rows.append((key_text(b.key), help_text(b)))
    return rows


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    rows: list[tuple[str, str]]


def sections() -> list[Section]:
    """The help screen's sections, from the bindings of the app, screen and panes."""
    from tlstui.ui.app import TlsApp
    from tlstui.ui.screens.main import MainScreen
    from tlstui.ui.widgets.ladder import LadderView
    from tlstui.ui.widgets.sessions import SessionsTable

    panes = [
        (key, f"{where}: {description}")
        for where, bindings in (
            ("sessions", SessionsTable.BINDINGS),
            ("ladder", LadderView.BINDINGS),
        )
        for key, description in binding_rows(bindings)
    ]
    return [
        Section("Everywhere", binding_rows(TlsApp.BINDINGS) + binding_rows(MainScreen.BINDINGS)),
        Section("In a pane", panes + NAVIGATION),
    ]


def readme_lines() -> list[str]:
    """The README's key list (a Markdown table), generated from the same sections."""
    lines = ["| key | what it does |", "| --- | --- |"]
    for section in sections():
        for key, description in section.rows:
            shown = " ".join(f"`{k}`" for k in key.replace(" / ", " ").split())
            lines.append(f"| {shown} | {description.replace('|', chr(92) + '|')} |")
    return lines


@dataclass(frozen=True, slots=True)
class Command:
    """A command palette entry made from a binding."""

    name: str  # the help sentence, capitalised
    action: str
    keys: str


def palette_commands(
    bindings: Sequence[BindingType], app_bindings: Sequence[BindingType]
) -> list[Command]:
    """Every screen and app action with its key, for the command palette."""
    out: list[Command] = []
    for prefix, group in (("", bindings), ("app.", app_bindings)):
        for b in group:
            if not isinstance(b, Binding) or is_navigation(b):
                continue
            text = help_text(b)
            out.append(Command(text[:1].upper() + text[1:], prefix + b.action, key_text(b.key)))
    return out
