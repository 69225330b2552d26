"""``write_json`` streams the ``--json`` report session by session, byte for byte what
``to_json(report, indent) + "\\n"`` would print: every committed capture, several captures,
no sessions, hostile strings, batch boundaries, and the CLI through a pipe, a terminal and a
closed pipe."""

from __future__ import annotations

import copy
import io
import json
import os
import pty
import subprocess
import sys
import tty
from pathlib import Path

import pytest
from conftest import CAPTURES, REPO, SHOWCASE, capture_files

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import CaptureInfo, Report
from tlstui.analysis.multi import analyze_many
from tlstui.output import json_report
from tlstui.output.json_report import report_dict, to_json, write_json

ALL_CAPTURES = capture_files()
pytestmark = pytest.mark.skipif(not SHOWCASE.exists(), reason="captures/ not present")


def streamed(report: Report, indent: int | None = None) -> str:
    out = io.StringIO()
    write_json(report, out, indent)
    return out.getvalue()


def difference(got: str | bytes, want: str | bytes) -> str:
    """ "" when equal, else where they part (pytest's own diff of two multi-megabyte strings
    takes minutes)."""
    if got == want:
        return ""
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    if at is None:
        at = min(len(got), len(want))
    lo = max(0, at - 40)
    return f"differ at {at}: got {got[lo : at + 40]!r}, want {want[lo : at + 40]!r}"


class CountingWriter(io.StringIO):
    """A text stream that counts its writes (the batching is what keeps them few)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)


@pytest.fixture(autouse=True)
def _no_env_keylog(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process reports must read the captures as the CLI subprocesses do (without it)."""
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)


@pytest.fixture(scope="module")
def showcase() -> Report:
    return analyze(SHOWCASE)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three sessions a batch, so the small captures cross batch boundaries too."""
    monkeypatch.setattr(json_report, "_BATCH", 3)


@pytest.mark.parametrize("path", ALL_CAPTURES, ids=lambda p: p.name)
def test_every_capture_streams_the_same_bytes(path: Path, small_batches: None) -> None:
    report = analyze(path)
    compact = streamed(report)
    assert not difference(compact, to_json(report) + "\n")
    assert not difference(streamed(report, 2), to_json(report, indent=2) + "\n")
    # One line when compact, and it parses back to the report's own dict.
    assert compact.count("\n") == 1
    assert json.loads(compact) == json.loads(json.dumps(report_dict(report)))


def test_showcase_values_survive_streaming(showcase: Report, small_batches: None) -> None:
    doc = json.loads(streamed(showcase))
    assert list(doc) == ["schema", "tool", "capture", "sessions"]
    assert [s["id"] for s in doc["sessions"]] == list(range(1, 12))
    assert doc["capture"]["packets"] == 131
    assert doc["sessions"][0]["first_frame"] == showcase.sessions[0].first_frame


@pytest.mark.parametrize("indent", [None, 0, 2, 4])
@pytest.mark.parametrize("batch", [1, 2, 10, 11, 12, 256])
def test_batch_boundaries_do_not_change_a_byte(
    showcase: Report, monkeypatch: pytest.MonkeyPatch, indent: int | None, batch: int
) -> None:
    # 11 sessions: batches that divide them, leave one over, hold exactly all, or more.
    monkeypatch.setattr(json_report, "_BATCH", batch)
    assert not difference(streamed(showcase, indent), to_json(showcase, indent) + "\n")


def test_writes_come_in_batches(showcase: Report) -> None:
    many = Report(capture=showcase.capture, sessions=showcase.sessions * 60)  # 660 sessions
    out = CountingWriter()
    write_json(many, out)
    # The head, ceil(660 / 256) = 3 batches, the closing brackets.
    assert out.writes == 5
    assert not difference(out.getvalue(), to_json(many) + "\n")
    assert len(json.loads(out.getvalue())["sessions"]) == 660


def test_several_captures() -> None:
    a, b = CAPTURES / "showcase.pcap", CAPTURES / "tls13-hrr.pcap"
    report = analyze_many([a, b]).report
    assert report is not None
    for indent in (None, 2):
        assert not difference(streamed(report, indent), to_json(report, indent) + "\n")
    doc = json.loads(streamed(report))
    assert list(doc) == ["schema", "tool", "capture", "captures", "sessions"]
    assert [c["file"] for c in doc["captures"]] == [str(a), str(b)]
    assert [s["capture"] for s in doc["sessions"]] == [str(a)] * 11 + [str(b)]
    # `capture` is each session's last key, as report_dict puts it.
    assert list(doc["sessions"][-1])[-1] == "capture"


def test_no_sessions() -> None:
    report = Report(capture=CaptureInfo(file="empty.pcap", link_types=["Ethernet"]))
    compact = streamed(report)
    assert not difference(compact, to_json(report) + "\n")
    assert compact.endswith(', "warnings": [], "keylog": null}, "sessions": []}\n')
    indented = streamed(report, 2)
    assert not difference(indented, to_json(report, indent=2) + "\n")
    assert indented.endswith('\n    "keylog": null\n  },\n  "sessions": []\n}\n')
    assert json.loads(compact)["sessions"] == []


def test_several_captures_with_no_sessions() -> None:
    first, second = CaptureInfo(file="a.pcap"), CaptureInfo(file="b.pcapng", format="pcapng")
    report = Report(capture=first, captures=[first, second])
    for indent in (None, 2):
        assert not difference(streamed(report, indent), to_json(report, indent) + "\n")
    doc = json.loads(streamed(report))
    assert [c["format"] for c in doc["captures"]] == ["pcap", "pcapng"]
    assert doc["sessions"] == []


def test_non_ascii_and_control_characters(showcase: Report, small_batches: None) -> None:
    report = copy.deepcopy(showcase)
    hostile = 'bücher.例え.jp\x00\x1b[31m\n\t"\\\u2028\u0085 🙂'
    with_hello = [s for s in report.sessions if s.client_hello is not None]
    assert len(with_hello) >= 4
    for s in with_hello:
        assert s.client_hello is not None
        s.client_hello.sni = hostile
    with_leaf = next(s for s in report.sessions if s.leaf is not None)
    assert with_leaf.leaf is not None
    with_leaf.leaf.subject = "CN=Ünïcødé\r\nO=\x7f"
    for indent in (None, 2):
        text = streamed(report, indent)
        assert not difference(text, to_json(report, indent) + "\n")
        # Non-ASCII stays as it is; control characters are escaped, so a compact report is
        # still one line even with a newline inside a name.
        assert "bücher.例え.jp" in text and "🙂" in text and "\u2028" in text
        assert '\\u0000\\u001b[31m\\n\\t\\"\\\\' in text
        assert "\x00" not in text and "\x1b" not in text
    compact = streamed(report)
    assert compact.count("\n") == 1
    doc = json.loads(compact)
    assert [s["sni"] for s in doc["sessions"] if s["sni"] is not None] == [hostile] * len(
        with_hello
    )
    assert with_leaf.id in [
        s["id"]
        for s in doc["sessions"]
        if (s["certificate"] or {}).get("subject") == with_leaf.leaf.subject
    ]


# --- the CLI ----------------------------------------------------------------------------------


def _cli(*args: str, **kw: object) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"}
    return subprocess.run(
        [sys.executable, "-m", "tlstui", *args],
        capture_output=True,
        timeout=60,
        cwd=REPO,
        env=env,
        **kw,  # type: ignore[call-overload]
    )


def test_cli_through_a_pipe_prints_to_json(showcase: Report) -> None:
    result = _cli(str(SHOWCASE), "--json")
    assert result.returncode == 0 and result.stderr == b""
    assert not difference(result.stdout, (to_json(analyze(SHOWCASE)) + "\n").encode("utf-8"))
    assert result.stdout.count(b"\n") == 1


def test_cli_several_captures_through_a_pipe() -> None:
    paths = [str(p) for p in ALL_CAPTURES[:12]]
    # Without key logs: the several-captures reader names each file's key log by a temporary
    # path, different in every run.
    result = _cli(*paths, "--json", "--no-keylog")
    assert result.returncode == 0, result.stderr
    report = analyze_many(paths, keylog=False).report
    assert report is not None and len(report.captures) == 12
    assert not difference(result.stdout, (to_json(report) + "\n").encode("utf-8"))
    assert [c["file"] for c in json.loads(result.stdout)["captures"]] == paths


def test_cli_on_a_terminal_prints_indented() -> None:
    """With stdout a terminal (raw, so no newline translation) the report comes indented."""
    leader, follower = pty.openpty()
    try:
        tty.setraw(follower)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tlstui", str(SHOWCASE), "--json"],
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"},
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=60) == 0
        assert proc.stderr is not None and proc.stderr.read() == b""
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    out = b"".join(chunks)
    assert not difference(out, (to_json(analyze(SHOWCASE), indent=2) + "\n").encode("utf-8"))
    assert out.startswith(b'{\n  "schema": 1,\n')


def test_cli_into_a_closed_pipe_exits_0_quietly() -> None:
    # Far more than a pipe's 64 KB, so the writer is still writing when `head` is gone.
    paths = [str(p) for p in ALL_CAPTURES]
    cmd = " ".join([sys.executable, "-m", "tlstui", *paths, "--json"])
    result = subprocess.run(
        ["bash", "-c", f"{cmd} | head -c 40; exit ${{PIPESTATUS[0]}}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"schema": 1, "tool": {"name": "tlstui",'
    assert result.stderr == ""
