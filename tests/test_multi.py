"""Several captures in one report: ids, per-session capture, bad inputs, rotated files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tlstui import cli
from tlstui.analysis.engine import analyze
from tlstui.analysis.multi import Input, analyze_many, expand_inputs, rotation_groups

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
pytestmark = pytest.mark.skipif(
    not (CAPTURES / "mixed.pcap").exists(), reason="captures/ not present"
)
needs_editcap = pytest.mark.skipif(shutil.which("editcap") is None, reason="editcap not installed")


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_two_captures_json_has_captures_and_unique_ids(capsys) -> None:
    a, b = str(CAPTURES / "showcase.pcap"), str(CAPTURES / "tls13-hrr.pcap")
    rc, out, err = run(capsys, a, b, "--json")
    assert rc == 0 and err == ""
    doc = json.loads(out)
    assert doc["capture"]["file"] == a
    assert [c["file"] for c in doc["captures"]] == [a, b]
    assert [c["packets"] for c in doc["captures"]] == [131, doc["captures"][1]["packets"]]
    ids = [s["id"] for s in doc["sessions"]]
    assert ids == list(range(1, 13))  # showcase's 11, then the HRR session
    assert {s["capture"] for s in doc["sessions"][:11]} == {a}
    last = doc["sessions"][11]
    assert last["capture"] == b and last["hello_retry"] is True
    # Each file's own frame numbers: the HRR file's session starts at its own frame 1.
    assert last["first_frame"] == 1


def test_one_capture_json_is_unchanged(capsys) -> None:
    rc, out, _ = run(capsys, str(CAPTURES / "tls12-ok.pcap"), "--json")
    doc = json.loads(out)
    assert rc == 0 and "captures" not in doc and "capture" not in doc["sessions"][0]


def test_same_file_twice_is_read_once(capsys, tmp_path: Path) -> None:
    link = tmp_path / "again.pcap"
    link.symlink_to(CAPTURES / "tls12-ok.pcap")
    rc, out, _ = run(
        capsys,
        str(CAPTURES / "tls12-ok.pcap"),
        str(CAPTURES / "tls12-ok.pcap"),
        str(link),
        "--json",
    )
    doc = json.loads(out)
    assert rc == 0 and len(doc["sessions"]) == 1 and "captures" not in doc


def test_a_file_that_is_not_a_capture_is_named_and_the_rest_read(capsys) -> None:
    rc, out, err = run(
        capsys, str(CAPTURES / "README.md"), str(CAPTURES / "tls12-ok.pcap"), "--json"
    )
    assert rc == 0
    assert err.splitlines() == [
        f"tlstui: {CAPTURES / 'README.md'}: not a pcap or pcapng file (looks like text)"
    ]
    assert len(json.loads(out)["sessions"]) == 1


def test_none_readable_is_exit_2(capsys, tmp_path: Path) -> None:
    rc, out, err = run(
        capsys, str(CAPTURES / "README.md"), str(tmp_path / "missing.pcap"), "--json"
    )
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 2 and "missing.pcap: no such file" in err


def test_directory_order_is_natural_and_keys_are_skipped(tmp_path: Path) -> None:
    for name in ("cap", "cap10", "cap2", "cap1", "cap.keys", ".hidden"):
        (tmp_path / name).write_bytes(b"x")
    files, errors = expand_inputs([tmp_path])
    assert [p.name for _, p in files] == ["cap", "cap1", "cap2", "cap10"]
    assert errors == []


def test_rotation_groups_need_continuity(tmp_path: Path) -> None:
    def inp(name: str, first: float, last: float, fmt: str = "pcap") -> Input:
        p = tmp_path / name
        p.write_bytes(b"x" * 100)
        return Input(name, p, fmt, b"h", first, last, 10)

    a, b = inp("cap", 0, 10), inp("cap1", 10.5, 20)
    overlapping = inp("cap2", 15, 30)  # starts before cap1 ended: another capture point
    late = inp("cap3", 200, 210)  # more than ROTATION_GAP after
    other_format = inp("cap4", 210.1, 220, "pcapng")
    # In time right after cap4, but another name: a different capture, not its rotation.
    unrelated = inp("other", 220.5, 230, "pcapng")
    groups = rotation_groups([a, b, overlapping, late, other_format, unrelated])
    assert [[i.name for i in g] for g in groups] == [
        ["cap", "cap1"],
        ["cap2"],
        ["cap3"],
        ["cap4"],
        ["other"],
    ]
    # tcpdump -G and editcap names: counters and times differ, the rest is the same.
    g1 = inp("rot-1796018376.pcap", 300, 301)
    g2 = inp("rot-1796018378.pcap", 301.5, 302)
    e1 = inp("rot_00000_20261130100000.pcap", 400, 401)
    e2 = inp("rot_00001_20261130100001.pcap", 401, 402)
    assert [len(g) for g in rotation_groups([g1, g2, e1, e2])] == [2, 2]


def test_unrelated_captures_a_minute_apart_keep_their_own_frame_numbers(capsys) -> None:
    """Two captures of different names whose times follow each other were joined as a
    rotation: the second file's cut record was "frame 12" of a 6-packet file (counted across
    both) and its evidence too; each now reads as when opened alone."""
    a = CAPTURES / "messy-tls12-cut-in-certificate.pcap"
    b = CAPTURES / "messy-tls13-cut-in-flight.pcap"
    rep = analyze_many([a, b]).report
    assert rep is not None
    for path in (a, b):
        alone = analyze(path).sessions
        mine = [s for s in rep.sessions if s.capture == str(path)]
        assert [(s.first_frame, s.last_frame, s.malformed) for s in mine] == [
            (s.first_frame, s.last_frame, s.malformed) for s in alone
        ]
        assert [s.diagnosis.best.evidence for s in mine if s.diagnosis] == [
            s.diagnosis.best.evidence for s in alone if s.diagnosis
        ]


@needs_editcap
def test_a_connection_split_across_rotated_files_is_one_session(tmp_path: Path) -> None:
    # editcap splits a real capture the way tcpdump -C rotates: by packet count, mid-connection.
    whole = analyze(CAPTURES / "tls12-ok.pcap", keylog=False)
    subprocess.run(
        ["editcap", "-c", "8", str(CAPTURES / "tls12-ok.pcap"), str(tmp_path / "rot.pcap")],
        check=True,
        capture_output=True,
    )
    parts = sorted(tmp_path.iterdir())
    assert len(parts) == 3
    loaded = analyze_many([tmp_path], keylog=False)
    rep = loaded.report
    assert rep is not None and loaded.errors == []
    assert len(rep.captures) == 3 and len(rep.sessions) == 1
    s, w = rep.sessions[0], whole.sessions[0]
    assert (s.status, s.established, s.version) == ("ok", True, w.version)
    assert [e.type for e in s.events] == [e.type for e in w.events]
    # Frames as each file numbers them: 8 per file.
    assert [e.frame for e in s.events] == [(e.frame - 1) % 8 + 1 for e in w.events]
    assert s.capture == str(parts[0])
    assert any(f"goes on in {parts[1]}, {parts[2]}: its frames there" in n for n in s.malformed)


def test_diff_across_captures_names_both_files(capsys) -> None:
    failing, working = (
        str(CAPTURES / "tls12-no-shared-cipher.pcap"),
        str(CAPTURES / "tls12-ok.pcap"),
    )
    rc, out, _ = run(capsys, failing, working, "--diff", "1", "--json")
    doc = json.loads(out)
    assert rc == 0 and (doc["a"], doc["b"]) == (1, 2)
    assert doc["summary"].startswith("No shared cipher suite: the failing client offers none")
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in doc["summary"]
    assert "of tls12-ok.pcap" in doc["parting"]["text"]
    assert "of tls12-no-shared-cipher.pcap" in doc["parting"]["text"]


def test_each_capture_uses_its_own_key_log() -> None:
    # tls13-client-cert-missing's alert is encrypted; its own .keys beside it decrypts it.
    loaded = analyze_many([CAPTURES / "tls13-ok.pcap", CAPTURES / "tls13-client-cert-missing.pcap"])
    rep = loaded.report
    assert rep is not None
    failed = next(s for s in rep.sessions if s.status == "failed")
    alert = next(a for a in failed.alerts if a.code != 0)
    assert (alert.code, alert.encrypted, alert.decrypted) == (116, True, True)
    off = analyze_many(
        [CAPTURES / "tls13-ok.pcap", CAPTURES / "tls13-client-cert-missing.pcap"], keylog=False
    ).report
    assert off is not None
    failed = next(s for s in off.sessions if s.status == "failed")
    assert all(a.code is None for a in failed.alerts)


ROTATED = CAPTURES / "rotated"


@pytest.mark.skipif(not ROTATED.is_dir(), reason="captures/rotated not present")
def test_real_tcpdump_rotation_joins_the_connection() -> None:
    # generate_rotated.py: tcpdump -G 1 put the handshake in one file and, 1.5 s later, the
    # request, the answer and the closes in the next.  Read alone, the second file holds no
    # session at all (no hello); read as a directory, it is one complete session.
    files = sorted(ROTATED.glob("rot-*.pcap"))
    assert len(files) == 2
    assert analyze(files[1]).sessions == []
    alone = analyze(files[0]).sessions[0]
    rep = analyze_many([ROTATED]).report
    assert rep is not None and len(rep.sessions) == 1 and len(rep.captures) == 2
    s = rep.sessions[0]
    assert (s.status, s.established, s.capture) == ("ok", True, str(files[0]))
    types = [e.type for e in s.events]
    assert types[: len(alone.events)] == [e.type for e in alone.events]
    assert types.count("ApplicationData") == 2 and types[-2:] == ["FIN", "FIN"]
    assert "client" in s.closed_by and "server" in s.closed_by


@pytest.mark.skipif(not ROTATED.is_dir(), reason="captures/rotated not present")
def test_extract_of_a_session_that_goes_on_in_the_next_file(tmp_path: Path) -> None:
    """Its last frame is numbered as in the next file (8), the first file holds 12 of its
    frames: the extract (TUI ``w``, from the session's own file) keeps all 12, not 8."""
    from tlstui.analysis.extract import extract_session, keylog_lines

    files = sorted(ROTATED.glob("rot-*.pcap"))
    rep = analyze_many([ROTATED]).report
    assert rep is not None
    (s,) = rep.sessions
    assert s.goes_on and (s.first_frame, s.last_frame) == (1, 8)
    assert analyze(files[0]).capture.packets == 12
    out = tmp_path / "one.pcapng"
    result = extract_session(s.capture, s, out, keylog_lines(s.capture, None))
    assert result.packets == 12 and result.key_lines > 0
    assert [e.type for e in analyze(out).sessions[0].events] == [
        e.type for e in analyze(files[0]).sessions[0].events
    ]
    assert not analyze(files[0]).sessions[0].goes_on  # one file alone: nothing goes on


def test_key_logs_are_named_and_counted_per_capture(capsys) -> None:
    """Each capture's key log info names the real files (it named the temporary copy, or,
    for files read as one rotation, said nothing, so the report said "key log: none" while
    sessions were decrypted) and counts its own decrypted sessions."""
    udp = CAPTURES / "udp"
    rep = analyze_many([udp]).report
    assert rep is not None and len(rep.captures) == 14
    decrypted = 0
    for c in rep.captures:
        mine = [s for s in rep.sessions if s.capture == c.file]
        assert c.keylog is not None, c.file
        assert c.keylog.paths == [str(Path(c.file).with_suffix(".keys"))]
        assert c.keylog.sessions_decrypted == sum(s.secrets == "decrypted" for s in mine)
        decrypted += c.keylog.sessions_decrypted
    # Files read as one rotation share the key logs beside them; each counts its own sessions.
    rot = analyze_many([CAPTURES / "rotated"]).report
    assert rot is not None and len(rot.captures) == 2
    keys = [str(p) for p in sorted((CAPTURES / "rotated").glob("*.keys"))]
    assert [(c.keylog.paths, c.keylog.sessions_decrypted) for c in rot.captures if c.keylog] == [
        (keys, 1),
        (keys, 0),
    ]
    used = rep.keylog_used()
    assert used is not None and used.sessions_decrypted == decrypted == 7
    assert "tlstui-" not in " ".join(used.paths)  # no temporary file
    _rc, out, _ = run(capsys, str(udp), "--report")
    line = next(x for x in out.splitlines() if x.startswith("key log:"))
    assert "quic-ok.keys" in line and f"{decrypted} sessions decrypted" in line


def test_one_key_log_for_several_captures_is_named(capsys, tmp_path: Path) -> None:
    udp = CAPTURES / "udp"
    keys = tmp_path / "all.txt"
    keys.write_text(
        (udp / "quic-ok.keys").read_text() + (udp / "quic-untrusted-ca.keys").read_text()
    )
    a, b = tmp_path / "a.pcap", tmp_path / "b.pcap"  # no .keys beside them
    shutil.copy(udp / "quic-untrusted-ca.pcap", a)
    shutil.copy(udp / "quic-ok.pcap", b)
    _rc, out, _ = run(capsys, str(a), str(b), "--keylog", str(keys), "--json")
    doc = json.loads(out)
    assert [c["keylog"]["paths"] for c in doc["captures"]] == [[str(keys)], [str(keys)]]
    assert [c["keylog"]["sessions_decrypted"] for c in doc["captures"]] == [1, 1]
    _rc, out, _ = run(capsys, str(a), str(b), "--keylog", str(keys), "--report")
    assert f"key log: {keys}: 7 usable lines, 2 sessions decrypted" in out
