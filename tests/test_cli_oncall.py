"""The command line as an on-call user meets it: key logs, no terminal, pipes, --failed.

Each test runs the real ``tlstui`` entry point (in a subprocess where the terminal or a pipe
matters) on a committed capture and checks the exact exit status and the line printed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from tlstui.analysis.engine import CaptureError, analyze, keylog_candidates, scan
from tlstui.analysis.model import Endpoint
from tlstui.output.json_report import report_dict
from tlstui.output.text_report import print_report

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "captures"
TLS13 = CAPTURES / "tls13-client-cert-missing.pcap"
SHOWCASE = CAPTURES / "showcase.pcap"


def tlstui(*args: str, stdin: object = subprocess.DEVNULL, timeout: float = 20, **env: str):
    environment = {k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"} | env
    return subprocess.run(
        [sys.executable, "-c", "from tlstui.cli import run; run()", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=environment,
    )


def _copy(tmp_path: Path, name: str, keys_as: str | None) -> Path:
    capture = tmp_path / name
    shutil.copy(TLS13, capture)
    if keys_as:
        shutil.copy(TLS13.with_suffix(".keys"), tmp_path / keys_as)
    return capture


class TestKeylog:
    def test_missing_keylog_is_exit_2_with_one_line(self) -> None:
        result = tlstui(str(TLS13), "--keylog", "/nope.keys", "--report")
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr == (
            "tlstui: /nope.keys: cannot read the key log: No such file or directory\n"
        )

    def test_missing_keylog_stops_the_tui_too(self) -> None:
        # Checked before the terminal test: the one line names the key log, not the terminal.
        result = tlstui(str(TLS13), "--keylog", "/nope.keys", timeout=10)
        assert result.returncode == 2
        assert result.stderr == (
            "tlstui: /nope.keys: cannot read the key log: No such file or directory\n"
        )

    def test_unreadable_keylog_is_exit_2(self, tmp_path: Path) -> None:
        result = tlstui(str(TLS13), "--keylog", str(tmp_path), "--json")  # a directory
        assert result.returncode == 2
        assert result.stderr.startswith(f"tlstui: {tmp_path}: cannot read the key log: ")
        assert result.stderr.count("\n") == 1

    def test_keylog_with_no_usable_line_warns(self) -> None:
        result = tlstui(str(TLS13), "--keylog", "README.md", "--json")
        assert result.returncode == 0
        assert result.stderr.startswith("tlstui: warning: key log README.md has no usable line")
        doc = json.loads(result.stdout)
        assert doc["capture"]["keylog"] == {
            "paths": ["README.md"],
            "lines": 0,
            "sessions_decrypted": 0,
        }
        # The answer stays what the capture alone supports: "likely", never certain.
        assert doc["sessions"][0]["diagnosis"]["confidence"] != "high"

    def test_json_says_which_keylog_decrypted_what(self) -> None:
        doc = report_dict(analyze(TLS13))
        assert doc["capture"]["keylog"] == {
            "paths": [str(TLS13.with_suffix(".keys"))],
            "lines": 5,
            "sessions_decrypted": 1,
        }
        assert report_dict(analyze(TLS13, keylog=False))["capture"]["keylog"] is None

    def test_several_keylog_options_are_all_read(self, tmp_path: Path) -> None:
        capture = _copy(tmp_path, "cap.pcap", None)
        keys = TLS13.with_suffix(".keys").read_text().splitlines()
        (tmp_path / "a.keys").write_text("\n".join(keys[:2]) + "\n")
        (tmp_path / "b.keys").write_text("\n".join(keys[2:]) + "\n")
        report = analyze(capture, keylog=[tmp_path / "a.keys", tmp_path / "b.keys"])
        assert report.capture.keylog is not None
        assert report.capture.keylog.paths == [str(tmp_path / "a.keys"), str(tmp_path / "b.keys")]
        assert report.capture.keylog.lines == 5
        assert report.capture.keylog.sessions_decrypted == 1
        result = tlstui(
            str(capture), "--keylog", str(tmp_path / "a.keys"), "--keylog",
            str(tmp_path / "b.keys"), "--json",
        )  # fmt: skip
        assert json.loads(result.stdout)["capture"]["keylog"]["sessions_decrypted"] == 1

    @pytest.mark.parametrize(
        ("capture_name", "keys_name"),
        [
            ("cap.pcap", "cap.keys"),
            ("cap.pcap", "cap.keylog"),
            ("cap.pcapng", "cap.pcapng.keylog"),
            ("cap.pcap", "cap.pcap.keys"),
        ],
    )
    def test_keylog_found_by_the_names_people_use(
        self, tmp_path: Path, capture_name: str, keys_name: str
    ) -> None:
        capture = _copy(tmp_path, capture_name, keys_name)
        report = analyze(capture)
        assert report.capture.keylog is not None
        assert report.capture.keylog.paths == [str(tmp_path / keys_name)]
        assert report.sessions[0].secrets == "decrypted"

    def test_sslkeylogfile_is_used_when_set(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        capture = _copy(tmp_path, "cap.pcap", "elsewhere.txt")
        monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "elsewhere.txt"))
        assert keylog_candidates(capture)[-1] == tmp_path / "elsewhere.txt"
        report = analyze(capture)
        assert report.capture.keylog is not None
        assert report.capture.keylog.paths == [str(tmp_path / "elsewhere.txt")]
        assert report.capture.keylog.sessions_decrypted == 1

    def test_explicit_missing_keylog_raises_in_the_engine(self) -> None:
        with pytest.raises(CaptureError, match="cannot read the key log"):
            analyze(TLS13, keylog=Path("/nope.keys"))

    def test_report_header_names_the_keylog(self) -> None:
        result = tlstui(str(TLS13), "--report")
        lines = result.stdout.splitlines()
        assert lines[1] == (
            "key log: captures/tls13-client-cert-missing.keys: 5 usable lines, 1 session decrypted"
        ) or lines[1] == (
            f"key log: {TLS13.with_suffix('.keys')}: 5 usable lines, 1 session decrypted"
        )
        assert "key log: secrets found; records decrypted" in [line.strip() for line in lines]
        none = tlstui(str(TLS13), "--report", "--no-keylog").stdout.splitlines()
        assert none[1].startswith("key log: none")
        assert not any(line.strip().startswith("key log: secrets") for line in none)

    def test_session_secrets_state(self) -> None:
        report = analyze(SHOWCASE)
        states = {s.secrets for s in report.sessions}
        assert states == {"decrypted", "missing"}
        assert report.capture.keylog is not None
        decrypted = sum(s.secrets == "decrypted" for s in report.sessions)
        assert report.capture.keylog.sessions_decrypted == decrypted > 0
        assert all(s.secrets is None for s in analyze(SHOWCASE, keylog=False).sessions)

    def test_streamed_scan_uses_the_same_keylog(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
        # The TUI reads through scan() with incremental batches: sessions that end before the
        # last batch already say what the key log did, and the final report equals analyze's.
        batches = list(scan(SHOWCASE, interval=0.0))
        final = batches[-1].report
        assert final is not None and final.capture.keylog is not None
        assert final.capture.keylog.paths == [str(CAPTURES / "showcase.keys")]
        ended = [s for b in batches for s in b.ended]
        assert ended and all(s.secrets in ("decrypted", "missing") for s in ended)
        whole = analyze(SHOWCASE)
        assert [s.secrets for s in final.sessions] == [s.secrets for s in whole.sessions]
        assert whole.capture.keylog is not None
        assert final.capture.keylog.sessions_decrypted == whole.capture.keylog.sessions_decrypted


class TestNoTerminal:
    def test_tui_refuses_when_stdin_is_not_a_terminal(self) -> None:
        started = time.monotonic()
        result = tlstui(str(SHOWCASE), timeout=10)
        assert time.monotonic() - started < 10
        assert result.returncode == 2
        assert result.stderr == (
            "tlstui: the TUI needs a terminal, but stdin is not one; use --report or --json\n"
        )

    def test_tui_refuses_when_stdout_is_a_pipe(self) -> None:
        # stdin is a terminal-less pipe too here; the message names the first missing end.
        result = tlstui(str(SHOWCASE), "--failed", stdin=subprocess.PIPE, timeout=10)
        assert result.returncode == 2
        assert "use --report or --json" in result.stderr
        assert result.stdout == ""


class TestSmallOnes:
    def test_json_with_failed_is_refused(self) -> None:
        result = tlstui(str(SHOWCASE), "--json", "--failed")
        assert result.returncode == 2
        assert result.stderr.startswith("tlstui: --failed does not apply to --json")

    def test_report_failed_with_no_failures_says_so(self) -> None:
        result = tlstui(str(CAPTURES / "tls12-mtls-ok.pcap"), "--report", "--failed")
        assert result.returncode == 0
        assert "No failed handshakes" in result.stdout
        assert "status" not in result.stdout  # no empty table header

    def test_report_into_a_closed_pipe_exits_0(self) -> None:
        shell = f"{sys.executable} -c 'from tlstui.cli import run; run()' {SHOWCASE} --report"
        result = subprocess.run(
            ["bash", "-c", f"{shell} | head -1; exit ${{PIPESTATUS[0]}}"],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"{SHOWCASE}  pcap, ")
        assert result.stderr == ""

    def test_stdin_report_header_says_stdin(self) -> None:
        with SHOWCASE.open("rb") as f:
            result = tlstui("-", "--report", stdin=f)
        assert result.stdout.splitlines()[0].startswith("stdin  pcap, ")


class TestReportNames:
    def test_long_names_and_commands_are_never_broken(self) -> None:
        report = analyze(SHOWCASE)
        failed = next(s for s in report.sessions if s.failed and s.client_hello)
        assert failed.client_hello is not None
        long_sni = "a-rather-long-host-name-for-testing.bad.example.com"
        failed.client_hello.sni = long_sni
        failed.server = Endpoint("2400:cb00:2048:1::6813:c266", failed.server.port)

        for width in (60, 80, 200):
            out = io.StringIO()
            print_report(report, console=Console(file=out, width=width, highlight=False))
            text = out.getvalue()
            assert long_sni in text
            assert f"[2400:cb00:2048:1::6813:c266]:{failed.server.port}" in text
            for session in report.sessions:
                for cause in session.diagnosis.candidates[:1] if session.diagnosis else []:
                    for item in cause.check_next:
                        if item.startswith("openssl "):
                            assert any(line.strip() == "- " + item for line in text.splitlines())
