"""``--jsonl``: one JSON object per line, a session as soon as its connection ends.

Each line is a session exactly as ``--json`` writes it in its ``sessions`` list; the last line
is ``{"capture": {...}}`` (the ``--json`` capture object plus session counts).  Lines are
flushed one batch at a time, so ``jq``, a log shipper or a script watching a live capture sees
a session within about a second of its end.  Session ids count sessions in the order they were
recognised; ``--json`` numbers by first frame, which differs only where handshakes interleave.
A diagnosis made before the input ended carries ``"provisional": true``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tlstui.analysis.engine import scan
from tlstui.analysis.model import Report
from tlstui.output.json_report import capture_dict, session_dict


def _line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, check_circular=False) + "\n"


def write_jsonl(
    path: str | Path,
    out: TextIO,
    *,
    keylog: Path | bool | None = None,
    follow: bool = False,
    should_stop: Callable[[], bool] | None = None,
    stdin_fd: int | None = None,
) -> Report:
    """Stream *path*'s sessions to *out* as JSON lines; return the final report."""
    report: Report | None = None
    for batch in scan(
        path, keylog=keylog, follow=follow, should_stop=should_stop, stdin_fd=stdin_fd
    ):
        # The last batch renumbers sessions by first frame; lines keep the ids the earlier
        # lines used, so one id means one session within the stream.
        stream_id = {new: old for old, new in batch.renumbered.items()}
        for session in batch.ended:
            d = session_dict(session)
            d["id"] = stream_id.get(session.id, session.id)
            out.write(_line(d))
        if batch.ended:
            out.flush()
        if batch.report is not None:
            report = batch.report
    assert report is not None
    summary = capture_dict(report.capture)
    summary["sessions"] = len(report.sessions)
    summary["failed"] = sum(1 for s in report.sessions if s.status == "failed")
    out.write(_line({"capture": summary}))
    out.flush()
    return report
