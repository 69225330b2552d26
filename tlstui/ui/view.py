"""What the sessions list shows: filter, failed-only, cause group and sort (no Textual)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from tlstui.analysis.model import Report, Session
from tlstui.output import describe

SORTS = ("id", "status", "server", "duration")
_STATUS_ORDER = {"failed": 0, "incomplete": 1, "ok": 2}


@dataclass(frozen=True, slots=True)
class ViewState:
    text: str = ""
    failed_only: bool = False
    cause: str | None = None
    sort: str = "id"
    ja4: str | None = None  # one client fingerprint only (``J`` cycles them)

    @property
    def narrowed(self) -> bool:
        return bool(self.text or self.failed_only or self.cause or self.ja4)

    def cleared(self) -> ViewState:
        return replace(self, text="", failed_only=False, cause=None, ja4=None)

    def describe(self) -> str:
        parts = []
        if self.text:
            parts.append(f"filter “{self.text}”")
        if self.failed_only:
            parts.append("failed only")
        if self.cause:
            parts.append(f"cause {self.cause}")
        if self.ja4:
            parts.append(f"client {self.ja4}")
        return " · ".join(parts)


def _ip_key(ip: str) -> tuple[int, int, str]:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return (9, 0, ip)
    return (addr.version, int(addr), "")


def sort_key(name: str):
    if name == "status":
        return lambda s: (_STATUS_ORDER.get(s.status, 3), s.id)
    if name == "server":
        return lambda s: (_ip_key(s.server.ip), s.server.port, describe.sni_text(s), s.id)
    if name == "duration":
        return lambda s: (-(s.end - s.start), s.id)
    return lambda s: s.id


def search_index(report: Report) -> dict[int, str]:
    """Session id -> the text ``/`` searches; built once (in the loader thread)."""
    # The client fingerprint too, so `/` finds every session of one client build.
    return {
        s.id: describe.search_text(s) + (" " + s.ja4.lower() if s.ja4 else "")
        for s in report.sessions
    }


def matches(haystack: str, text: str) -> bool:
    """Every whitespace-separated word of *text* occurs in *haystack*."""
    return all(word in haystack for word in text.lower().split())


def visible_sessions(
    report: Report, state: ViewState, index: dict[int, str] | None = None
) -> list[Session]:
    if state.text and index is None:
        index = search_index(report)
    sessions = [
        s
        for s in report.sessions
        if (not state.failed_only or s.failed)
        and (state.cause is None or (s.failed and describe.session_cause(s) == state.cause))
        and (not state.text or matches(index[s.id], state.text))  # type: ignore[index]
        and (state.ja4 is None or s.ja4 == state.ja4)
    ]
    if state.sort != "id":
        sessions.sort(key=sort_key(state.sort))
    return sessions


def next_cause(report: Report, current: str | None) -> str | None:
    """The cause group after *current* (None = all), in the header's order, wrapping to None."""
    causes = [cause for cause, _ in describe.failure_counts(report)]
    if not causes:
        return None
    if current not in causes:
        return causes[0]
    index = causes.index(current) + 1
    return causes[index] if index < len(causes) else None


def fingerprint_counts(report: Report) -> list[tuple[str, int, int]]:
    """(JA4, failed sessions, all sessions) per client fingerprint, most failures first: the
    order ``J`` walks them in, so "every failure comes from one client build" shows first."""
    counts: dict[str, list[int]] = {}
    for s in report.sessions:
        if s.ja4 is None:
            continue
        c = counts.setdefault(s.ja4, [0, 0])
        c[0] += s.failed
        c[1] += 1
    return sorted(((k, f, n) for k, (f, n) in counts.items()), key=lambda t: (-t[1], -t[2], t[0]))


def next_fingerprint(report: Report, current: str | None) -> str | None:
    """The client fingerprint after *current* (None = all), wrapping back to None."""
    prints = [k for k, _, _ in fingerprint_counts(report)]
    if not prints:
        return None
    if current not in prints:
        return prints[0]
    index = prints.index(current) + 1
    return prints[index] if index < len(prints) else None
