"""The pure parts of scripts/bench.py: the process tree's peak memory, the verdict on the
targets, the summary rows and the ``--tree`` / ``--sizes`` options.

The sampler test runs a real forking command: a parent holding 100 MB and a child holding
200 MB at the same time. ``/usr/bin/time`` sees only the larger one (~200 MB); the benchmark
must report the sum (~300 MB), or a tlstui that forks a worker would look half its size.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
HAVE_TIME = Path("/usr/bin/time").exists()
HAVE_PROC = Path("/proc/self/statm").exists() and Path("/proc/loadavg").exists()


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", REPO / "scripts" / "bench.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


bench = _load()

# The parent and the child each fill their memory after the fork (so no page is shared), tell
# each other through pipes, and hold it 0.4 s together: 40 samples at 10 ms.
FORKER = """
import os, time
up, down = os.pipe()
pid = os.fork()
if pid == 0:
    held = b"\\x01" * (200 << 20)
    os.write(down, b"x")
    time.sleep(0.4)
    os._exit(0)
held = b"\\x01" * (100 << 20)
os.read(up, 1)
time.sleep(0.4)
os.waitpid(pid, 0)
"""

needs_time_and_proc = pytest.mark.skipif(
    not (HAVE_TIME and HAVE_PROC), reason="needs /usr/bin/time and /proc"
)


@needs_time_and_proc
def test_peak_is_the_process_trees_sum_not_one_process():
    r = bench.timed([sys.executable, "-c", FORKER], subprocess.DEVNULL)
    assert r["exit"] == 0
    assert 195 < r["maxrss_mb"] < 260  # time's %M: the child alone
    assert r["tree_mb"] > 300  # 100 + 200 MB plus two interpreters
    assert r["rss_mb"] == max(r["maxrss_mb"], r["tree_mb"])
    assert r["procs"] == 2
    assert r["samples"] >= 10


@needs_time_and_proc
def test_a_single_process_peak_agrees_with_time():
    r = bench.timed(
        [sys.executable, "-c", "import time; x = b'1' * (150 << 20); time.sleep(0.3)"],
        subprocess.DEVNULL,
    )
    assert r["procs"] == 1
    assert 150 < r["maxrss_mb"] < 200
    # Sampled at 10 ms, the sum can only miss a short-lived top, never exceed it by much.
    assert abs(r["tree_mb"] - r["maxrss_mb"]) < 10


@needs_time_and_proc
def test_a_timeout_kills_the_command_not_only_time(tmp_path):
    marker = tmp_path / "alive"
    cmd = [
        sys.executable,
        "-c",
        f"import time, pathlib\ntime.sleep(0.8)\npathlib.Path({str(marker)!r}).touch()",
    ]
    r = bench.timed(cmd, subprocess.DEVNULL, timeout=0.2)
    assert r["timeout"] is True
    time.sleep(0.9)  # past the moment the command would have written the marker
    assert not marker.exists()


@needs_time_and_proc
def test_sampler_follows_grandchildren_and_ignores_strangers():
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    try:
        shell = subprocess.Popen(
            ["sh", "-c", f"{sys.executable} -c 'import time; time.sleep(0.5)' & wait"]
        )
        s = bench.TreeSampler(shell.pid, include_root=True)
        try:
            for _ in range(50):
                s.sample()
                if len(s.descendants()) == 1:
                    break
                time.sleep(0.02)
            kids = s.descendants()
            assert len(kids) == 1 and kids[0] != stranger.pid
            assert s.peak_procs == 2  # the shell and its python
        finally:
            s.close()
            shell.wait(timeout=10)
    finally:
        stranger.kill()
        stranger.wait()


def _res(name: str, wall: float, cpu: float, mb: float) -> dict:
    return {"name": name, "runs": 3, "wall": wall, "cpu": cpu, "rss_mb": mb}


def test_verdict_on_the_targets():
    v = bench.verdict
    assert v("chatty", 0.25, 0.20, True) == "yes"  # the targets are inclusive
    assert v("chatty", 0.26, 0.20, True) == "no: wall"
    assert v("chatty", 0.20, 0.21, True) == "no: peak"
    assert v("bulk", 0.30, 0.30, True) == "no: wall, peak"
    assert v("bulk", 0.15, 0.10, True) == "yes, stretch too"
    assert v("bulk", 0.16, 0.10, True) == "yes, not the stretch"
    assert v("bulk", 0.10, 0.10, False) == "no: output"
    assert v("bulk", None, 0.10, True) == "-"


def test_summary_rows_pair_each_tree_with_tshark_of_the_same_run():
    trees = [bench.Tree("main", Path("/a")), bench.Tree("base", Path("/b"))]
    benches = [
        {
            "sessions": 2000,
            "shape": "bulk",
            "results": [
                _res("tshark", 2.4, 2.0, 344.0),
                _res("tlstui --json (main)", 0.36, 0.30, 60.0),
                _res("tlstui --json (base)", 0.9, 0.9, 86.0),
                _res("dpkt read loop", 0.3, 0.3, 15.0),
            ],
            "checks": {"main": {"problems": []}, "base": {"problems": ["9 failed, expected 200"]}},
        },
        {
            "sessions": 2000,
            "shape": "chatty",
            "results": [
                {"name": "tshark", "runs": 1, "timeout": True, "wall": 300.0},
                _res("tlstui --json (main)", 1.1, 1.1, 88.0),
            ],
            "checks": {"main": {"problems": []}},
        },
    ]
    rows = bench.summary_rows(benches, trees)
    assert [(r["shape"], r["tree"]) for r in rows] == [
        ("bulk", "main"),
        ("bulk", "base"),
        ("chatty", "main"),
    ]
    main, base, chatty = rows
    assert main["wall_ratio"] == pytest.approx(0.15)
    assert main["cpu_ratio"] == pytest.approx(0.15)
    assert main["rss_ratio"] == pytest.approx(60 / 344)
    assert main["targets"] == "yes, stretch too"
    assert base["wall_ratio"] == pytest.approx(0.375)
    assert base["targets"] == "no: output"  # wrong answers do not count, however fast
    assert chatty["tshark_wall"] is None and chatty["wall_ratio"] is None
    assert chatty["targets"] == "-"
    text = bench.summary_table(rows)
    lines = text.splitlines()
    assert len(lines) == 2 + 3
    assert "| 2,000    | bulk   | main |" in lines[2]
    assert "0.15" in lines[2] and "0.17" in lines[2] and "yes, stretch too" in lines[2]


def test_summary_keeps_the_fastest_run_and_the_largest_peak():
    runs = [
        {"wall": 2.0, "cpu": 1.9, "rss_mb": 90.0, "maxrss_mb": 90.0, "tree_mb": 80.0, "procs": 1},
        {"wall": 1.5, "cpu": 1.4, "rss_mb": 120.0, "maxrss_mb": 70.0, "tree_mb": 120.0, "procs": 2},
        {"timeout": True, "wall": 300.0},
    ]
    s = bench.summary("tlstui --json (x)", runs)
    assert (s["runs"], s["wall"], s["cpu"]) == (3, 1.5, 1.4)
    assert (s["rss_mb"], s["maxrss_mb"], s["tree_mb"], s["procs"]) == (120.0, 90.0, 120.0, 2)
    assert s["all_wall"] == [2.0, 1.5]


def test_tree_option(tmp_path):
    (tmp_path / "t" / "tlstui").mkdir(parents=True)
    (tmp_path / "t" / "tlstui" / "__init__.py").touch()
    t = bench.parse_tree(f"main={tmp_path / 't'}")
    assert (t.name, t.root, t.label) == ("main", tmp_path / "t", "tlstui --json (main)")
    assert bench.parse_tree(str(tmp_path / "t")).name == "t"  # a bare ROOT: its folder's name
    with pytest.raises(argparse.ArgumentTypeError, match="not a package"):
        bench.parse_tree(f"x={tmp_path}")
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=ROOT"):
        bench.parse_tree("x=")
    with pytest.raises(ValueError, match="two trees named 'a'"):
        bench.unique_trees([bench.Tree("a", tmp_path), bench.Tree("a", tmp_path / "t")])


def test_tree_and_sizes_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--tree", f"x={tmp_path}"])
    assert exc.value.code == 2
    assert "is not a package" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["/tmp/cap.pcap", "--sizes", "2000"])
    assert "not both" in capsys.readouterr().err
    assert bench.parse_sizes("2000,20000") == [2000, 20000]
    with pytest.raises(argparse.ArgumentTypeError):
        bench.parse_sizes("2k")


def test_each_size_has_its_own_captures():
    assert bench.default_captures(20000) == {
        "bulk": Path("/tmp/tlstui-big.pcap"),
        "chatty": Path("/tmp/tlstui-big-chatty.pcap"),
    }
    assert bench.default_captures(2000)["chatty"] == Path("/tmp/tlstui-bench-chatty-2k.pcap")
    assert bench.default_captures(500)["bulk"] == Path("/tmp/tlstui-bench-500.pcap")
    a = argparse.Namespace(capture=None, chatty=None, sessions=None, target_mb=None)
    a.sizes = [2000, 20000]
    plans = bench.plans(a)
    assert [(p.sessions, p.target_mb) for p in plans] == [(2000, 130.0), (20000, 1300.0)]


def test_an_explicit_capture_is_one_size_built_at_20000_sessions_by_default():
    a = argparse.Namespace(
        capture="/tmp/x.pcap", chatty=None, sessions=None, target_mb=None, sizes=None
    )
    (plan,) = bench.plans(a)
    assert plan.sessions is None  # unknown until a manifest says so
    assert (plan.build_sessions, plan.target_mb) == (20000, 1300.0)
    assert plan.captures == {"bulk": Path("/tmp/x.pcap"), "chatty": Path("/tmp/x-chatty.pcap")}
    assert bench.fmt_sessions(None) == "?" and bench.fmt_sessions(20000) == "20,000"
