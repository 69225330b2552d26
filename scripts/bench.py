#!/usr/bin/env python3
"""Time ``tlstui --json`` against tshark (and a bare dpkt loop) on large captures.

    scripts/bench.py [--sizes 2000,20000] [--shapes bulk,chatty] [--tree NAME=ROOT ...]
                     [--runs 3] [--slow 60] [--timeout 300] [--only ...] [--json OUT]
    scripts/bench.py CAPTURE [--chatty CHATTY] ...       (one size: these files)

Every size (TLS sessions) is timed on two traffic shapes, one after the other: bulk (the
sessions as recorded: files sent in 16 KiB records) and chatty (the same sessions with their
application data re-framed as one to four small records per segment). The captures are

  20000 sessions   /tmp/tlstui-big.pcap, /tmp/tlstui-big-chatty.pcap          (1.3 GB each)
  2000 sessions    /tmp/tlstui-bench-2k.pcap, /tmp/tlstui-bench-chatty-2k.pcap (128 MB each)
  N sessions       /tmp/tlstui-bench-N.pcap, /tmp/tlstui-bench-N-chatty.pcap

each built with scripts/make_big_capture.py (``--sessions N --target-mb N*0.065 --shape S``,
10% failed) when it is missing. An explicit CAPTURE (and --chatty) replaces them: one size.
The page cache is warmed first, so every tool reads from memory. Each command runs in a fresh
process under ``/usr/bin/time``:

  tlstui    python -m tlstui CAPTURE --json > /dev/null        (cwd and PYTHONPATH = the tree)
  tshark    tshark -r CAPTURE -n -Y "tls.handshake.type or tls.alert_message" -T fields
              -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport
              -e tls.handshake.type -e tls.handshake.extensions_server_name
              -e tls.handshake.ciphersuite -e tls.alert_message.desc > /dev/null
  dpkt      python -c 'for ts, buf in dpkt.pcap.Reader(f): pass'    (the floor: reading only)

Several tlstui source trees can be timed side by side (``--tree NAME=ROOT``, repeatable; the
default is this repository, named "tlstui"). Each tree's package is byte-compiled first
(``python -m compileall -q -f ROOT/tlstui``): with PYTHONDONTWRITEBYTECODE=1 nothing else
writes the .pyc files, and every run would recompile every module it imports (``--json`` on a
small capture: 0.21 s instead of 0.10 s), which an installed package never does. ``-f``
because compileall keeps a .pyc whose recorded mtime matches the source's, while the
interpreter also compares the size: a file saved twice within one second keeps a stale .pyc
that every timed run then compiles again (seen: sessions.py, ~10 ms per run).

The tools take turns (tshark, tlstui (A), tlstui (B), ..., dpkt, tshark, ...), so a change in
the machine's load hits all of them alike. A tool is run --runs times (best wall time kept)
unless its first run took longer than --slow seconds, then once; the table says how many runs
each figure is the best of. Each tree's first run writes its JSON to a temporary file instead
of /dev/null, and that output is checked against the capture's manifest (sessions, failed
sessions, packets).

Peak memory is the process tree's: ``/usr/bin/time``'s %M is the largest RSS of any one
process, so while a command runs a thread here sums the RSS (/proc/PID/statm) of the command
and all its descendants every 10 ms; "peak MB" is the larger of the two. Pages shared between
processes (a forked worker's copy-on-write memory) count once per process, as ``ps`` shows
them. Ratios are tool / tshark, for wall time, for CPU time (user + sys, the steadier figure
on a busy machine) and for peak memory; a last table says, per size, shape and tree, whether
the targets of docs/benchmark.md are met (wall <= 0.25 and peak <= 0.20 of tshark's; stretch:
wall <= 0.15 on the bulk shape).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TIME = "/usr/bin/time"
DEFAULT_SIZES = "2000,20000"
# The capture size make_big_capture.py aims at, per session (20,000 sessions -> 1.3 GB).
MB_PER_SESSION = 0.065
SAMPLE_INTERVAL = 0.010  # seconds between two samples of a process tree's RSS

# The targets, as ratios tlstui / tshark measured side by side.
TARGET_WALL = 0.25
TARGET_RSS = 0.20
STRETCH_WALL_BULK = 0.15

TSHARK_FILTER = "tls.handshake.type or tls.alert_message"
TSHARK_FIELDS = [
    "frame.number",
    "ip.src",
    "tcp.srcport",
    "ip.dst",
    "tcp.dstport",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.handshake.ciphersuite",
    "tls.alert_message.desc",
]

Result = dict[str, Any]
Runner = Callable[[int], Result]


def tshark_cmd(capture: str) -> list[str]:
    cmd = ["tshark", "-r", capture, "-n", "-Y", TSHARK_FILTER, "-T", "fields"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    return cmd


def default_python() -> str:
    """The interpreter running this script (the project's venv when started from it)."""
    return sys.executable


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    try:
        ver = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    except OSError:
        ver = ""
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": mem,
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "tshark": ver.splitlines()[0] if ver else "?",
        "kernel": platform.release(),
    }


# --- the process tree's memory ----------------------------------------------------------------


def have_proc() -> bool:
    return Path("/proc/self/statm").exists()


class TreeSampler:
    """Sum the RSS of a process's descendants every *interval* s, in a thread; keep the peak.

    ``/usr/bin/time`` reports the largest RSS of one process, which hides a worker process
    running beside its parent. Kernels built without /proc/PID/task/TID/children (this one)
    leave the parent pid as the way to find descendants: when /proc/loadavg says a process
    was created since the last tick, list /proc and read /proc/PID/stat once for each pid not
    seen before (its parent then is its parent for good: a child orphaned by its parent's
    death stays in the tree); every tick reads /proc/PID/statm of the tree's members. The
    sampler's own CPU time is kept in ``cpu_s``: about 0.13 ms a tick, half of it the wake-up
    (1.3% of a core at 10 ms). Invariant: ``_members`` holds only pids whose chain of
    recorded parents reaches *root*; *root* itself counts only with *include_root* (the root
    is ``/usr/bin/time``, whose own few MB are not the tool's).
    """

    def __init__(self, root: int, interval: float = SAMPLE_INTERVAL, include_root: bool = False):
        self.root = root
        self.interval = interval
        self.include_root = include_root
        self.peak_bytes = 0
        self.peak_procs = 0
        self.samples = 0
        self.cpu_s = 0.0
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._ppid: dict[int, int] = {}  # every live pid seen so far -> its parent at first sight
        self._members: set[int] = {root}
        self._last_pid: int | None = None
        self._loadavg: int | None = None  # an open /proc/loadavg
        self._statm: dict[int, int] = {}  # member pid -> its open /proc/PID/statm
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop = True
        self._thread.join()

    def _run(self) -> None:
        t0 = time.thread_time()
        try:
            while not self._stop:
                self.sample()
                time.sleep(self.interval)  # cheaper than Event.wait; stop waits one interval
        finally:
            self.close()
            self.cpu_s = time.thread_time() - t0

    def close(self) -> None:
        for fd in self._statm.values():
            os.close(fd)
        self._statm.clear()
        if self._loadavg is not None:
            os.close(self._loadavg)
            self._loadavg = None

    def sample(self) -> int:
        """One tick: update the tree, add up its RSS; returns the sum in bytes."""
        last = self._last_pid_now()
        if last is None or last != self._last_pid:  # a process was created somewhere
            self._last_pid = last
            self._discover()
        total = 0
        procs = 0
        for pid in list(self._members):
            if pid == self.root and not self.include_root:
                continue
            pages = self._resident_pages(pid)
            if pages < 0:  # gone; a later process may reuse the pid
                self._forget(pid)
            elif pages:  # a zombie has none
                total += pages
                procs += 1
        total *= self._page
        self.samples += 1
        if total > self.peak_bytes:
            self.peak_bytes = total
        if procs > self.peak_procs:
            self.peak_procs = procs
        return total

    # Open files are kept and re-read with pread: opening a /proc file costs ten times the
    # read. A kept /proc/PID/statm stays bound to its process (ESRCH once it is reaped), so a
    # reused pid cannot be mistaken for it.

    def _last_pid_now(self) -> int | None:
        """The pid most recently handed out (/proc/loadavg's last field): unchanged means no
        process was created since the last look, so the tree cannot have grown."""
        try:
            if self._loadavg is None:
                self._loadavg = os.open("/proc/loadavg", os.O_RDONLY)
            return int(os.pread(self._loadavg, 128, 0).split()[-1])
        except (OSError, IndexError, ValueError):
            return None

    def _resident_pages(self, pid: int) -> int:
        """Resident pages of *pid*, or -1 when it is gone."""
        try:
            fd = self._statm.get(pid)
            if fd is None:
                fd = self._statm[pid] = os.open(f"/proc/{pid}/statm", os.O_RDONLY)
            data = os.pread(fd, 128, 0)
        except OSError:
            return -1
        try:
            return int(data.split()[1])
        except (IndexError, ValueError):
            return 0

    def _forget(self, pid: int) -> None:
        self._members.discard(pid)
        self._ppid.pop(pid, None)
        fd = self._statm.pop(pid, None)
        if fd is not None:
            os.close(fd)

    def _discover(self) -> None:
        try:
            live = {int(n) for n in os.listdir("/proc") if n.isdigit()}
        except OSError:
            return
        for pid in [p for p in self._ppid if p not in live]:
            self._forget(pid)
        new = sorted(live - self._ppid.keys())
        for pid in new:
            ppid = _parent(pid)
            if ppid is not None:
                self._ppid[pid] = ppid
        # A child usually has a larger pid than its parent, so one ascending pass settles
        # most new pids; repeat for the rest (pid wrap-around).
        changed = True
        while changed:
            changed = False
            for pid in new:
                if pid not in self._members and self._ppid.get(pid) in self._members:
                    self._members.add(pid)
                    changed = True

    def descendants(self) -> list[int]:
        return sorted(p for p in self._members if p != self.root)


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses; the fields after its
    # closing parenthesis are state, then ppid.
    try:
        return int(data.rpartition(b")")[2].split()[1])
    except (IndexError, ValueError):
        return None


def timed(
    cmd: list[str],
    stdout: IO[bytes] | int | None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    timeout: float | None = None,
    interval: float = SAMPLE_INTERVAL,
) -> Result:
    """Run *cmd* under /usr/bin/time in a fresh child: wall, CPU and peak memory.

    ``rss_mb`` is the larger of time's %M (``maxrss_mb``, one process) and the highest sum
    over the command's process tree (``tree_mb``, sampled every *interval* s; 0 without
    /proc). The command runs in its own session so a timeout kills all of it, not only
    /usr/bin/time (which would leave the tool running on)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [TIME, "-f", "%e %U %S %M %x", "-o", tf.name, *cmd]
        t0 = time.monotonic()
        p = subprocess.Popen(
            full,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        sampler = TreeSampler(p.pid, interval).start() if have_proc() else None
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):  # it may have just exited
                os.killpg(p.pid, signal.SIGKILL)  # the group is the session started above
            p.communicate()
            return {"timeout": True, "wall": time.monotonic() - t0}
        finally:
            if sampler:
                sampler.stop()
        lines = Path(tf.name).read_text().strip().splitlines()
    if not lines:  # time itself failed (it could not run the command)
        return {
            "wall": time.monotonic() - t0,
            "cpu": 0.0,
            "rss_mb": 0.0,
            "exit": p.returncode or 1,
            "stderr": err.decode(errors="replace")[-2000:],
        }
    wall, user, sys_, rss, code = lines[-1].split()
    maxrss_mb = int(rss) / 1024
    tree_mb = sampler.peak_bytes / 2**20 if sampler else 0.0
    res: Result = {
        "wall": float(wall),
        "user": float(user),
        "sys": float(sys_),
        "cpu": float(user) + float(sys_),
        "rss_mb": max(maxrss_mb, tree_mb),
        "maxrss_mb": maxrss_mb,
        "tree_mb": tree_mb,
        "procs": sampler.peak_procs if sampler else None,
        "samples": sampler.samples if sampler else 0,
        "sampler_cpu": round(sampler.cpu_s, 4) if sampler else 0.0,
        "exit": int(code),
    }
    if p.returncode != 0:
        res["stderr"] = err.decode(errors="replace")[-2000:]
    return res


# --- runs ---------------------------------------------------------------------------------------


def interleaved(tools: list[tuple[str, Runner]], runs: int, slow: float) -> list[Result]:
    """Run each tool up to *runs* times, taking turns; a tool stops after a timeout, an error
    or a first run slower than *slow* s.  One summary per tool, in *tools* order."""
    results: dict[str, list[Result]] = {name: [] for name, _ in tools}
    done: set[str] = set()
    for i in range(runs):
        for name, run in tools:
            if name in done:
                continue
            r = run(i)
            results[name].append(r)
            print(
                f"  {name} run {i + 1}: "
                + (
                    f"timeout after {r['wall']:.0f} s"
                    if r.get("timeout")
                    else f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, {r['rss_mb']:.0f} MB"
                    + (f" ({r['procs']} processes)" if (r.get("procs") or 0) > 1 else "")
                ),
                file=sys.stderr,
            )
            if r.get("timeout") or r.get("exit") or r["wall"] > slow:
                done.add(name)
    return [summary(name, results[name]) for name, _ in tools]


def summary(name: str, results: list[Result]) -> Result:
    """Keep the fastest wall time, and its CPU time; the peak memory is the largest seen."""
    ok = [r for r in results if not r.get("timeout")]
    if not ok:
        return {"name": name, "runs": len(results), "timeout": True, "wall": results[0]["wall"]}
    best = min(ok, key=lambda r: r["wall"])
    out: Result = {"name": name, "runs": len(results), **best}
    for key in ("rss_mb", "maxrss_mb", "tree_mb"):
        if key in best:
            out[key] = max(r.get(key, 0.0) for r in ok)
    out["procs"] = max((r.get("procs") or 0 for r in ok), default=0) or None
    out["all_wall"] = [round(r["wall"], 2) for r in ok]
    return out


def check_tlstui(out: Path, manifest: dict[str, Any] | None) -> dict[str, Any]:
    """Is the tlstui JSON sane for this capture?"""
    with open(out, encoding="utf-8") as fh:
        rep = json.load(fh)
    sessions = rep["sessions"]
    status = Counter(s["status"] for s in sessions)
    causes = Counter(
        s["diagnosis"]["cause"] for s in sessions if s.get("diagnosis") and s["status"] != "ok"
    )
    versions = Counter(s["version"] for s in sessions)
    res: dict[str, Any] = {
        "sessions": len(sessions),
        "status": dict(status),
        "failed_causes": dict(causes),
        "versions": {str(k): v for k, v in versions.items()},
        "packets": rep["capture"]["packets"],
        "warnings": rep["capture"]["warnings"],
        "problems": [],
    }
    if manifest:
        exp = manifest
        if len(sessions) != exp["sessions"]:
            res["problems"].append(f"{len(sessions)} sessions, expected {exp['sessions']}")
        if status.get("failed", 0) != exp["failed"]:
            res["problems"].append(f"{status.get('failed', 0)} failed, expected {exp['failed']}")
        if rep["capture"]["packets"] != exp["packets"]:
            res["problems"].append(
                f"{rep['capture']['packets']} packets, expected {exp['packets']}"
            )
    return res


# --- trees --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """A tlstui source tree to time: ROOT holds the ``tlstui`` package."""

    name: str
    root: Path

    @property
    def label(self) -> str:
        return f"tlstui --json ({self.name})"


def parse_tree(text: str) -> Tree:
    """``NAME=ROOT`` (or a bare ROOT, named after its last folder) for ``--tree``."""
    name, sep, root = text.partition("=")
    if not sep:
        name, root = "", text
    name = name.strip()
    if not root:
        raise argparse.ArgumentTypeError(f"--tree {text!r}: expected NAME=ROOT")
    path = Path(root).expanduser().resolve()
    name = name or path.name
    if not name or any(c in name for c in "()|\n"):
        raise argparse.ArgumentTypeError(f"--tree {text!r}: give a plain NAME (NAME=ROOT)")
    if not (path / "tlstui" / "__init__.py").is_file():
        raise argparse.ArgumentTypeError(f"--tree {text!r}: {path}/tlstui is not a package")
    return Tree(name, path)


def unique_trees(trees: Iterable[Tree]) -> list[Tree]:
    out: list[Tree] = []
    for t in trees:
        if any(o.name == t.name for o in out):
            raise ValueError(f"two trees named {t.name!r}: give each --tree its own NAME")
        out.append(t)
    return out


def git_rev(root: Path) -> str:
    """``git rev-parse --short HEAD`` of *root*, with "+dirty" when tracked files changed."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if head.returncode != 0:
            return "?"
        st = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return head.stdout.strip() + ("+dirty" if st.stdout.strip() else "")


def tree_env(tree: Tree) -> dict[str, str]:
    env = dict(os.environ)
    root = str(tree.root)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def prepare_tree(python: str, tree: Tree) -> dict[str, Any]:
    """Byte-compile the tree's package and ask the interpreter which package it imports."""
    subprocess.run([python, "-m", "compileall", "-q", "-f", str(tree.root / "tlstui")], check=True)
    found = subprocess.run(
        [python, "-c", "import tlstui; print(tlstui.__file__)"],
        capture_output=True,
        text=True,
        env=tree_env(tree),
        cwd=str(tree.root),
    ).stdout.strip()
    return {"root": str(tree.root), "rev": git_rev(tree.root), "imports": found}


# --- captures -----------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sizes {text!r}: comma-separated session counts"
        ) from None
    if not sizes or any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: comma-separated session counts")
    return sizes


def default_captures(sessions: int) -> dict[str, Path]:
    """The bulk and chatty captures of a size (the 20,000 pair keeps its historic names)."""
    if sessions == 20000:
        return {"bulk": Path("/tmp/tlstui-big.pcap"), "chatty": Path("/tmp/tlstui-big-chatty.pcap")}
    if sessions == 2000:
        return {
            "bulk": Path("/tmp/tlstui-bench-2k.pcap"),
            "chatty": Path("/tmp/tlstui-bench-chatty-2k.pcap"),
        }
    return {
        "bulk": Path(f"/tmp/tlstui-bench-{sessions}.pcap"),
        "chatty": Path(f"/tmp/tlstui-bench-{sessions}-chatty.pcap"),
    }


@dataclass(frozen=True)
class Plan:
    """One size: its captures per shape and how to build a missing one (*build_sessions*
    sessions, about *target_mb* MB). *sessions* labels the figures: None for an explicit
    capture whose manifest is not beside it (its manifest, once built, tells)."""

    sessions: int | None
    captures: dict[str, Path]
    build_sessions: int
    target_mb: float


def plans(a: argparse.Namespace) -> list[Plan]:
    if a.capture:
        bulk = Path(a.capture)
        chatty = Path(a.chatty) if a.chatty else bulk.with_name(f"{bulk.stem}-chatty{bulk.suffix}")
        build = a.sessions or 20000
        target = a.target_mb if a.target_mb is not None else round(build * MB_PER_SESSION, 1)
        return [Plan(a.sessions, {"bulk": bulk, "chatty": chatty}, build, target)]
    return [
        Plan(
            n,
            default_captures(n),
            n,
            a.target_mb if a.target_mb is not None else round(n * MB_PER_SESSION, 1),
        )
        for n in a.sizes
    ]


# --- tables -------------------------------------------------------------------------------------


def fmt_sessions(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def ratio(x: Result, ref: Result | None, key: str) -> float | None:
    if ref is None or x.get("timeout") or ref.get("timeout") or not ref.get(key):
        return None
    if x.get(key) is None:
        return None
    return float(x[key]) / float(ref[key])


def fmt_ratio(x: Result, ref: Result, key: str) -> str:
    if x.get("timeout"):
        return (
            f">{x['wall'] / ref['wall']:.2f}" if key == "wall" and not ref.get("timeout") else "-"
        )
    r = ratio(x, ref, key)
    return "-" if r is None else f"{r:.2f}"


def render(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = [head, *rows]
    w = [max(len(x[i]) for x in lines) for i in range(len(head))]
    out = ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(row)) + " |" for row in lines]
    out.insert(1, "|" + "|".join("-" * (n + 2) for n in w) + "|")
    return "\n".join(out)


def table(rows: list[Result], ref: Result) -> str:
    head = (
        "tool",
        "runs",
        "wall s",
        "CPU s",
        "peak MB",
        "procs",
        "wall/tshark",
        "CPU/tshark",
        "peak/tshark",
    )
    body: list[tuple[str, ...]] = []
    for r in rows:
        if r.get("timeout"):
            wall = fmt_ratio(r, ref, "wall")
            body.append(
                (r["name"], str(r["runs"]), f">{r['wall']:.0f}", "-", "-", "-", wall, "-", "-")
            )
            continue
        body.append(
            (
                r["name"],
                str(r["runs"]),
                f"{r['wall']:.1f}",
                f"{r['cpu']:.1f}",
                f"{r['rss_mb']:.0f}",
                str(r.get("procs") or "-"),
                fmt_ratio(r, ref, "wall"),
                fmt_ratio(r, ref, "cpu"),
                fmt_ratio(r, ref, "rss_mb"),
            )
        )
    return render(head, body)


def verdict(shape: str, wall: float | None, rss: float | None, output_ok: bool) -> str:
    """Are the targets met?  "yes", "yes, stretch too" / "yes, not the stretch" (bulk only),
    "no: wall, peak", "no: output" (a fast wrong answer does not count) or "-"."""
    if not output_ok:
        return "no: output"
    if wall is None or rss is None:
        return "-"
    missed = [n for n, r, t in (("wall", wall, TARGET_WALL), ("peak", rss, TARGET_RSS)) if r > t]
    if missed:
        return "no: " + ", ".join(missed)
    if shape == "bulk":
        return "yes, stretch too" if wall <= STRETCH_WALL_BULK else "yes, not the stretch"
    return "yes"


def summary_rows(benches: list[dict[str, Any]], trees: list[Tree]) -> list[dict[str, Any]]:
    """One row per size, shape and tree: the figures next to tshark's and the verdict."""
    out: list[dict[str, Any]] = []
    for b in benches:
        res = {r["name"]: r for r in b["results"]}
        ref = res.get("tshark")
        for t in trees:
            r = res.get(t.label)
            if r is None:
                continue
            check = b["checks"].get(t.name)
            output_ok = not (check and check.get("problems"))
            wall = ratio(r, ref, "wall")
            cpu = ratio(r, ref, "cpu")
            rss = ratio(r, ref, "rss_mb")
            out.append(
                {
                    "sessions": b["sessions"],
                    "shape": b["shape"],
                    "tree": t.name,
                    "tshark_wall": None if not ref or ref.get("timeout") else ref["wall"],
                    "tlstui_wall": None if r.get("timeout") else r["wall"],
                    "wall_ratio": wall,
                    "cpu_ratio": cpu,
                    "tshark_mb": None if not ref or ref.get("timeout") else ref["rss_mb"],
                    "tlstui_mb": None if r.get("timeout") else r["rss_mb"],
                    "rss_ratio": rss,
                    "targets": verdict(b["shape"], wall, rss, output_ok),
                }
            )
    return out


def summary_table(rows: list[dict[str, Any]]) -> str:
    def num(x: float | None, spec: str) -> str:
        return "-" if x is None else format(x, spec)

    head = (
        "sessions",
        "shape",
        "tree",
        "tshark s",
        "tlstui s",
        "wall ratio",
        "CPU ratio",
        "tshark MB",
        "tlstui MB",
        "peak ratio",
        "targets met",
    )
    body = [
        (
            fmt_sessions(r["sessions"]),
            r["shape"],
            r["tree"],
            num(r["tshark_wall"], ".1f"),
            num(r["tlstui_wall"], ".1f"),
            num(r["wall_ratio"], ".2f"),
            num(r["cpu_ratio"], ".2f"),
            num(r["tshark_mb"], ".0f"),
            num(r["tlstui_mb"], ".0f"),
            num(r["rss_ratio"], ".2f"),
            r["targets"],
        )
        for r in rows
    ]
    return render(head, body)


# --- main ---------------------------------------------------------------------------------------

PEAK_LEGEND = (
    "peak MB = the process tree's peak: the larger of /usr/bin/time's max RSS (one process) "
    f"and the RSS summed over the command and its descendants, sampled every "
    f"{SAMPLE_INTERVAL * 1000:.0f} ms"
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument(
        "capture",
        nargs="?",
        help="time this bulk capture (one size) instead of the --sizes ones",
    )
    ap.add_argument(
        "--sizes",
        type=parse_sizes,
        help=f"session counts to time, comma-separated ({DEFAULT_SIZES}); their captures are "
        "/tmp/tlstui-big*.pcap for 20000, /tmp/tlstui-bench-*2k.pcap for 2000, built when missing",
    )
    ap.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument(
        "--slow",
        type=float,
        default=60.0,
        help="a tool whose first run takes longer than this runs once (60 s)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="give up on one run after this many seconds (300)",
    )
    ap.add_argument("--python", default=default_python(), help="interpreter for tlstui/dpkt")
    ap.add_argument(
        "--tree",
        type=parse_tree,
        action="append",
        default=[],
        metavar="NAME=ROOT",
        help="a source tree whose tlstui package is timed, under NAME (repeatable; default: "
        "this repo as 'tlstui')",
    )
    ap.add_argument(
        "--tlstui-root",
        type=Path,
        help="the same as --tree tlstui=ROOT",
    )
    ap.add_argument(
        "--only", default="tlstui,tshark,dpkt", help="comma-separated subset of tlstui,tshark,dpkt"
    )
    ap.add_argument(
        "--sessions",
        type=int,
        help="when building a missing explicit CAPTURE (20000)",
    )
    ap.add_argument(
        "--target-mb",
        type=float,
        help=f"when building a capture (default: {MB_PER_SESSION} MB per session)",
    )
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--shapes",
        default="bulk,chatty",
        help="traffic shapes to time, comma-separated: bulk and chatty",
    )
    ap.add_argument(
        "--chatty",
        help="with CAPTURE: the chatty capture (default: CAPTURE with -chatty before the "
        "suffix; built with make_big_capture.py --shape chatty when missing)",
    )
    a = ap.parse_args(argv)
    if a.capture and a.sizes:
        ap.error("give CAPTURE or --sizes, not both")
    if a.chatty and not a.capture:
        ap.error("--chatty goes with an explicit CAPTURE")
    if not a.capture and not a.sizes:
        a.sizes = parse_sizes(DEFAULT_SIZES)
    shapes = [s for s in a.shapes.split(",") if s]
    if not shapes or any(s not in ("bulk", "chatty") for s in shapes):
        ap.error(f"--shapes {a.shapes!r}: bulk and/or chatty")
    trees_in = list(a.tree)
    try:
        if a.tlstui_root:
            trees_in.append(parse_tree(f"tlstui={a.tlstui_root}"))
        trees = unique_trees(trees_in or [Tree("tlstui", REPO)])
    except (ValueError, argparse.ArgumentTypeError) as exc:
        ap.error(str(exc))
    if not Path(TIME).exists():
        print(f"{TIME} is missing: apt-get install -y time", file=sys.stderr)
        return 2
    if not have_proc():
        print("no /proc: peak MB is /usr/bin/time's (one process), not the tree's", file=sys.stderr)

    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    only = set(a.only.split(","))
    tree_info: dict[str, dict[str, Any]] = {}
    if "tlstui" in only:
        for t in trees:
            tree_info[t.name] = prepare_tree(a.python, t)
            print(
                f"tree {t.name}: {t.root} at {tree_info[t.name]['rev']} "
                f"(imports {tree_info[t.name]['imports']})",
                file=sys.stderr,
            )
    pdwb = os.environ.get("PYTHONDONTWRITEBYTECODE")
    compiled_note = (
        "each tree's tlstui package was byte-compiled first (python -m compileall -q -f "
        "ROOT/tlstui): with PYTHONDONTWRITEBYTECODE=1 "
        + ("(set here) " if pdwb else "")
        + "nothing else writes the .pyc files, and every run would recompile every module "
        "(--json on a small capture: 0.21 s instead of 0.10 s), which an installed package "
        "never does"
    )
    code = 0
    benches: list[dict[str, Any]] = []
    for plan in plans(a):
        for shape in shapes:
            cap = plan.captures[shape]
            print(f"\n== {fmt_sessions(plan.sessions)} sessions, shape {shape}: {cap}")
            rc, fig = bench_capture(a, plan, shape, cap, trees, tree_info)
            benches.append(fig)
            code = max(code, rc)

    rows = summary_rows(benches, trees)
    if rows:
        print(f"\n== summary, {date}: tlstui / tshark, measured side by side in each run")
        for t in trees:
            if t.name in tree_info:
                print(f"tree {t.name}: {tree_info[t.name]['rev']} ({t.root})")
        print(summary_table(rows))
        print(
            f"targets: wall ratio <= {TARGET_WALL} and peak ratio <= {TARGET_RSS}; stretch "
            f"(bulk): wall ratio <= {STRETCH_WALL_BULK}. tlstui s = best wall time; "
            + PEAK_LEGEND
            + "; a tree whose JSON does not match the manifest counts as 'no: output'."
        )
        print(compiled_note)
    if a.json:
        out = {
            "date": date,
            "machine": machine(),
            "trees": tree_info,
            "byte_compiled": True,
            "pythondontwritebytecode": bool(pdwb),
            "sample_interval_s": SAMPLE_INTERVAL,
            "targets": {
                "wall": TARGET_WALL,
                "rss": TARGET_RSS,
                "stretch_wall_bulk": STRETCH_WALL_BULK,
            },
            "benches": benches,
            "summary": rows,
        }
        a.json.write_text(json.dumps(out, indent=2) + "\n")
    return code


def build_capture(python: str, cap: Path, sessions: int, target_mb: float, shape: str) -> None:
    print(f"{cap} is missing; building it ...", file=sys.stderr)
    subprocess.run(
        [
            python,
            str(HERE / "make_big_capture.py"),
            str(cap),
            "--sessions",
            str(sessions),
            "--target-mb",
            str(target_mb),
            "--shape",
            shape,
        ],
        check=True,
    )


def bench_capture(
    a: argparse.Namespace,
    plan: Plan,
    shape: str,
    cap: Path,
    trees: list[Tree],
    tree_info: dict[str, dict[str, Any]],
) -> tuple[int, dict[str, Any]]:
    """Time the tools on one capture (built first when missing); print the table."""
    only = set(a.only.split(","))
    if not cap.exists():
        build_capture(a.python, cap, plan.build_sessions, plan.target_mb, shape)
    manifest = None
    mpath = Path(str(cap) + ".manifest.json")
    if mpath.exists():
        manifest = json.loads(mpath.read_text())

    info = machine()
    size = cap.stat().st_size
    print(
        f"capture {cap}: {size / 1e6:.0f} MB"
        + (
            f", {manifest['packets']} packets, {manifest['sessions']} sessions "
            f"({manifest['failed']} failed)"
            if manifest
            else ""
        ),
        file=sys.stderr,
    )
    print(
        f"machine: {info['nproc']} CPUs, {info['cpu']}, {info['memory']}, "
        f"load {info['load_average']}",
        file=sys.stderr,
    )
    t0 = time.monotonic()
    with open(cap, "rb") as fh:  # warm the page cache
        while fh.read(16 << 20):
            pass
    print(f"page cache warmed in {time.monotonic() - t0:.1f} s", file=sys.stderr)

    tlstui_cmd = [a.python, "-m", "tlstui", str(cap), "--json"]
    dpkt_cmd = [
        a.python,
        "-c",
        "import sys, dpkt\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    for ts, buf in dpkt.pcap.Reader(f):\n"
        "        pass\n",
        str(cap),
    ]
    rows: list[Result] = []
    checks: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="tlstui-bench-") as tmp:
        outputs: dict[str, Path] = {}

        def tlstui_runner(tree: Tree) -> Runner:
            env = tree_env(tree)
            root = str(tree.root)
            out_json = Path(tmp) / f"tlstui-{len(outputs)}.json"
            outputs[tree.name] = out_json

            def run(i: int) -> Result:
                if i == 0:
                    with open(out_json, "wb") as fh:
                        return timed(tlstui_cmd, fh, env=env, cwd=root, timeout=a.timeout)
                return timed(tlstui_cmd, subprocess.DEVNULL, env=env, cwd=root, timeout=a.timeout)

            return run

        tools: list[tuple[str, Runner]] = []
        if "tshark" in only:
            tools.append(
                (
                    "tshark",
                    lambda i: timed(tshark_cmd(str(cap)), subprocess.DEVNULL, timeout=a.timeout),
                )
            )
        if "tlstui" in only:
            for tree in trees:
                tools.append((tree.label, tlstui_runner(tree)))
        if "dpkt" in only:
            tools.append(
                (
                    "dpkt read loop",
                    lambda i: timed(dpkt_cmd, subprocess.DEVNULL, timeout=a.timeout),
                )
            )
        rows.extend(interleaved(tools, a.runs, a.slow))
        for tree in trees:
            r = next((x for x in rows if x["name"] == tree.label), None)
            out_json = outputs.get(tree.name)
            if not r or r.get("timeout") or not out_json:
                continue
            if not out_json.exists() or not out_json.stat().st_size:
                checks[tree.name] = {"problems": ["no output"]}
                continue
            try:
                checks[tree.name] = check_tlstui(out_json, manifest)
            except (ValueError, KeyError, TypeError) as exc:
                checks[tree.name] = {"problems": [f"output is not the expected JSON: {exc}"]}

    ref = next((r for r in rows if r["name"] == "tshark"), None) or {"timeout": True}
    print()
    print(
        f"capture: {cap} ({size / 1e6:.0f} MB"
        + (
            f", {manifest['packets']} packets, {manifest['sessions']} TLS sessions, "
            f"{manifest['failed']} failed)"
            if manifest
            else ")"
        )
    )
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']}, "
        f"load average at start {info['load_average']}; Python {info['python']}; "
        f"{info['tshark']}"
    )
    for tree in trees:
        if tree.name in tree_info:
            print(f"tlstui tree {tree.name}: {tree.root} at {tree_info[tree.name]['rev']}")
    print(f"wall = best of 'runs' runs; CPU = user+sys of that run; {PEAK_LEGEND}\n")
    print(table(rows, ref))
    for r in rows:
        if r.get("stderr"):
            print(f"\n{r['name']} exited {r.get('exit')}: {r['stderr'][-500:]}")
    for tree in trees:
        check = checks.get(tree.name)
        if check is None:
            continue
        print(
            f"\n{tree.label} output: {check.get('sessions')} sessions "
            f"{check.get('status')}, failed causes {check.get('failed_causes')}, "
            f"packets {check.get('packets')}"
        )
        if check["problems"]:
            print("  PROBLEMS: " + "; ".join(check["problems"]))
        elif manifest:
            print("  matches the capture manifest (sessions, failed, packets)")
        else:
            print("  no manifest beside the capture: not checked")
    print("\ncommands:")
    print("  tlstui: " + shlex.join(tlstui_cmd) + " > /dev/null   (cwd and PYTHONPATH = tree)")
    print("  tshark: " + shlex.join(tshark_cmd(str(cap))) + " > /dev/null")
    print("  dpkt:   " + shlex.join(dpkt_cmd[:2]) + " ... " + str(cap))
    figures = {
        "sessions": manifest["sessions"] if manifest else plan.sessions,
        "shape": shape,
        "capture": str(cap),
        "bytes": size,
        "manifest": manifest,
        "machine": info,
        "trees": {t.name: str(t.root) for t in trees},
        "results": rows,
        "checks": checks,
    }
    bad = any(c.get("problems") for c in checks.values())
    return (1 if bad else 0), figures


if __name__ == "__main__":
    raise SystemExit(main())
