"""``tlstui CAPTURE --diff A [B]``: a comparison as plain text, readable at 80 columns.

What differs comes first, one block per field; what is the same is folded into one count with
the field names.  Lines are wrapped at spaces only, so a suite or certificate name is never cut
in the middle (a single name longer than the line stays whole on its own line).  Every value
in a Comparison has been through ``safe_text`` already; this module adds no capture text.
"""

from __future__ import annotations

import json
import textwrap

from tlstui.analysis.compare import Comparison, Difference, Value, compare_sessions
from tlstui.analysis.model import Report, Session
from tlstui.analysis.partner import Partner, find_partner
from tlstui.output.json_report import comparison_dict, no_partner_dict
from tlstui.textsafe import safe_text

WIDTH = 80
_LABEL = 22  # field-name column
NBSP = "\u00a0"
SHOWN = 8  # list items printed per side; the rest are counted (--json has them all)


def wrap(text: str, width: int = WIDTH, indent: str = "", first: str | None = None) -> list[str]:
    """*text* wrapped at spaces only; *first* prefixes the first line, *indent* the others.
    A no-break space (U+00A0) holds two words together and is printed as a space."""
    lines = textwrap.wrap(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [(indent if first is None else first).rstrip()]
    return [line.replace(NBSP, " ") for line in lines]


def value_text(v: Value, why: str | None = None) -> str:
    if v is None:
        return f"not visible ({why})" if why else "not visible"
    if isinstance(v, list):
        return ", ".join(v) if v else "(none)"
    return v


def _some(items: list[str]) -> str:
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (f" (+{more}{NBSP}more)" if more > 0 else "")


def session_line(s: Session, capture: str | None = None) -> str:
    sni = s.client_hello.sni if s.client_hello else None
    cause = s.diagnosis.best.cause if s.diagnosis else "?"
    where = f"{capture}: " if capture else ""
    return f"{where}session {s.id}, {s.status} ({cause}), {s.client} -> {s.server}" + (
        f", SNI {safe_text(sni, 80)}" if sni is not None else ", no SNI"
    )


def difference_lines(d: Difference, width: int = WIDTH) -> list[str]:
    """One field's block: the field name, then what only each side has (lists) or both
    values, and a note when the shared items come in another order."""
    pad = " " * _LABEL
    head = f"  {d.field:<{_LABEL - 2}}"
    if len(d.field) > _LABEL - 3:
        out = [head.rstrip()]
        head = pad
    else:
        out = []
    rows: list[tuple[str, str]] = []
    if d.is_list and d.visible:
        if d.only_a:
            rows.append(("only a: ", _some(d.only_a)))
        if d.only_b:
            rows.append(("only b: ", _some(d.only_b)))
        if d.reordered:
            rows.append(("", "the items both offer come in another order"))
    elif d.a is None and d.b is None and d.why_a == d.why_b:
        rows.append(("a, b: ", value_text(None, d.why_a)))
    else:
        rows.append(("a: ", value_text(d.a, d.why_a)))
        rows.append(("b: ", value_text(d.b, d.why_b)))
    for i, (tag, text) in enumerate(rows):
        lead = (head if i == 0 and not out else pad) + tag
        out += wrap(text, width, indent=pad + " " * len(tag), first=lead)
    return out


def comparison_lines(c: Comparison, width: int = WIDTH) -> list[str]:
    out: list[str] = []
    out += wrap(session_line(c.a, c.capture_a), width, indent="     ", first="a:   ")
    out += wrap(session_line(c.b, c.capture_b), width, indent="     ", first="b:   ")
    if c.partner_reason:
        out += wrap(c.partner_reason, width, indent="     ", first="why: ")
    out.append("")
    out += wrap(c.summary, width)
    out.append("")
    out += wrap(c.parting.text, width, indent="  ", first="Where the ladders part: ")
    out.append("")
    # Fields read on both sides that differ, then fields one or both sides did not show:
    # two unknowns are never "the same".
    diffs = [d for d in c.differences if d.visible]
    out.append(f"Differences ({len(diffs)}):" if diffs else "Differences: none")
    for d in diffs:
        out += difference_lines(d, width)
    hidden = c.not_visible
    if hidden:
        out.append("")
        out.append(f"Not visible on one or both sides ({len(hidden)}):")
        for d in hidden:
            out += difference_lines(d, width)
    same = c.same
    if same:
        out.append("")
        out += wrap(
            ", ".join(d.field for d in same),
            width,
            indent="  ",
            first=f"Same ({len(same)} field{'s' if len(same) != 1 else ''}): ",
        )
    return out


def no_partner_lines(
    s: Session, reason: str, capture: str | None = None, width: int = WIDTH
) -> list[str]:
    out = wrap(session_line(s, capture), width, indent="     ", first="a:   ")
    out += wrap(f"no partner: {reason}", width, indent="  ")
    return out


def parse_ids(raw: list[str]) -> list[int] | None:
    """``--diff A [B]``: one or two session ids; None when that is not what was given."""
    if not 1 <= len(raw) <= 2:
        return None
    try:
        ids = [int(x) for x in raw]
    except ValueError:
        return None
    return ids


def diff_command(report: Report, raw_ids: list[str], as_json: bool) -> tuple[int, str]:
    """Run ``--diff`` on an analysed report: (exit status, text).  Status 2 comes with one line
    for stderr (an unknown id names the valid range); 0 with the document for stdout."""
    ids = parse_ids(raw_ids)
    if ids is None:
        return 2, "--diff takes one or two session ids (numbers, as in --json)"
    by_id = {s.id: s for s in report.sessions}
    if not by_id:
        return 2, "--diff: the capture holds no TLS session"
    lo, hi = min(by_id), max(by_id)
    for i in ids:
        if i not in by_id:
            return 2, f"--diff: no session {i}; the session ids run from {lo} to {hi}"
    a = by_id[ids[0]]
    partner: Partner | None = None
    if len(ids) == 2:
        b: Session | None = by_id[ids[1]]
    else:
        partner = find_partner(a, report)
        b = partner.session
    cap_a = a.capture if len(report.captures) > 1 else None
    if b is None:
        reason = partner.reason if partner is not None else ""
        if as_json:
            return 0, json.dumps(no_partner_dict(a, reason), ensure_ascii=False)
        return 0, "\n".join(no_partner_lines(a, reason, cap_a))
    c = compare_sessions(a, b, partner)
    if len(report.captures) > 1:
        c.capture_a, c.capture_b = a.capture, b.capture
    if as_json:
        return 0, json.dumps(comparison_dict(c), ensure_ascii=False)
    return 0, "\n".join(comparison_lines(c))
