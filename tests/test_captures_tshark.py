"""Every committed capture in captures/, read by tlstui and by tshark with the same key log.

tshark (with ``-o tls.keylog_file:NAME.keys``) is the oracle: each frame's handshake message
types and alert codes must be what tlstui puts on its ladder, decrypted records included.
Skipped when tshark is not installed.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import CAPTURES, TSHARK, capture_files

from tlstui.analysis.engine import analyze
from tlstui.tls.names import HANDSHAKE_EVENTS

FILES = capture_files()

pytestmark = pytest.mark.tshark
TYPE_OF = {name: code for code, name in HANDSHAKE_EVENTS.items()}


def _tshark(path: Path) -> tuple[Counter, Counter]:
    keys = path.with_suffix(".keys")
    cmd = [
        TSHARK,
        "-r",
        str(path),
        "-n",
        "-Y",
        "tls",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "frame.number",
        "-e",
        "tls.handshake.type",
        "-e",
        "tls.alert_message.desc",
    ]
    if keys.exists():
        cmd[3:3] = ["-o", f"tls.keylog_file:{keys}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout
    handshakes: Counter = Counter()
    alerts: Counter = Counter()
    for line in out.splitlines():
        frame, types, descs = line.split("|")
        for t in filter(None, types.split(",")):
            handshakes[(int(frame), int(t))] += 1
        for d in filter(None, descs.split(",")):
            alerts[(int(frame), int(d))] += 1
    return handshakes, alerts


def test_captures_exist() -> None:
    assert len(FILES) >= 30
    assert (CAPTURES / "showcase.pcap").exists()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_ladder_matches_tshark(path: Path) -> None:
    want_hs, want_alerts = _tshark(path)
    report = analyze(path, diagnose=False)
    got_hs: Counter = Counter()
    got_alerts: Counter = Counter()
    for s in report.sessions:
        for e in s.events:
            if e.type in TYPE_OF:
                got_hs[(e.frame, TYPE_OF[e.type])] += 1
            elif e.type == "HelloRetryRequest":
                got_hs[(e.frame, 2)] += 1
        for a in s.alerts:
            if a.code is not None:
                got_alerts[(a.frame, a.code)] += 1
    assert got_hs == want_hs
    assert got_alerts == want_alerts
