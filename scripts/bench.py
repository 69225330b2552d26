#!/usr/bin/env python3
"""Time ``tlstui --json`` against tshark (and a bare dpkt loop) on one large capture.

    scripts/bench.py [CAPTURE] [--runs 3] [--slow 60] [--timeout 300] [--json OUT]

Two traffic shapes are timed, one after the other: bulk (CAPTURE, the sessions as recorded:
files sent in 16 KiB records) and chatty (--chatty, the same sessions with their application
data re-framed as one to four small records per segment). CAPTURE defaults to
/tmp/tlstui-big.pcap (the chatty one to /tmp/tlstui-big-chatty.pcap); each is built with
scripts/make_big_capture.py when it is missing (about 1.3 GB, 20,000 TLS sessions, 10%
failed). The page cache is warmed first, so every tool reads from memory. Each command runs
in a fresh process under ``/usr/bin/time``:

  tlstui    python -m tlstui CAPTURE --json > /dev/null
  tshark    tshark -r CAPTURE -n -Y "tls.handshake.type or tls.alert_message" -T fields
              -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport
              -e tls.handshake.type -e tls.handshake.extensions_server_name
              -e tls.handshake.ciphersuite -e tls.alert_message.desc > /dev/null
  dpkt      python -c 'for ts, buf in dpkt.pcap.Reader(f): pass'    (the floor: reading only)

The tools take turns (tshark, tlstui, dpkt, tshark, ...), so a change in the machine's load
hits all of them alike. A tool is run --runs times (best wall time kept) unless its first
run took longer than --slow seconds, then once; the table says how many runs each figure is
the best of. The first tlstui run writes its JSON to a temporary file instead of /dev/null,
and that output is checked against the capture's manifest (sessions, failed sessions,
packets). Ratios are tool / tshark, for wall time and for CPU time (user + sys), which is
the steadier figure on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CAPTURE = "/tmp/tlstui-big.pcap"
TIME = "/usr/bin/time"

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


def tshark_cmd(capture: str) -> list[str]:
    cmd = ["tshark", "-r", capture, "-n", "-Y", TSHARK_FILTER, "-T", "fields"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    return cmd


def default_python() -> str:
    """The interpreter running this script (the project's venv when started from it)."""
    return sys.executable


def machine() -> dict:
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
    ver = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": mem,
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "tshark": ver.splitlines()[0] if ver else "?",
        "kernel": platform.release(),
    }


def timed(cmd: list[str], stdout, env=None, cwd=None, timeout: float | None = None) -> dict:
    """Run *cmd* under /usr/bin/time -v in a fresh child; wall, CPU and peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [TIME, "-f", "%e %U %S %M %x", "-o", tf.name, *cmd]
        t0 = time.monotonic()
        try:
            p = subprocess.run(
                full, stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=cwd, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"timeout": True, "wall": time.monotonic() - t0}
        line = Path(tf.name).read_text().strip().splitlines()
    wall, user, sys_, rss, code = line[-1].split()
    res = {
        "wall": float(wall),
        "user": float(user),
        "sys": float(sys_),
        "cpu": float(user) + float(sys_),
        "rss_mb": int(rss) / 1024,
        "exit": int(code),
    }
    if p.returncode != 0:
        res["stderr"] = p.stderr.decode(errors="replace")[-2000:]
    return res


def interleaved(tools: list[tuple[str, object]], runs: int, slow: float) -> list[dict]:
    """Run each tool up to *runs* times, taking turns; a tool stops after a timeout, an error
    or a first run slower than *slow* s.  One summary per tool, in *tools* order."""
    results: dict[str, list[dict]] = {name: [] for name, _ in tools}
    done: set[str] = set()
    for i in range(runs):
        for name, run in tools:
            if name in done:
                continue
            r = run(i)  # type: ignore[operator]
            results[name].append(r)
            print(
                f"  {name} run {i + 1}: "
                + (
                    f"timeout after {r['wall']:.0f} s"
                    if r.get("timeout")
                    else f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, {r['rss_mb']:.0f} MB"
                ),
                file=sys.stderr,
            )
            if r.get("timeout") or r.get("exit") or r["wall"] > slow:
                done.add(name)
    return [summary(name, results[name]) for name, _ in tools]


def summary(name: str, results: list[dict]) -> dict:
    """Keep the fastest wall time, and its CPU time; the peak RSS is the largest seen."""
    ok = [r for r in results if not r.get("timeout")]
    if not ok:
        return {"name": name, "runs": len(results), "timeout": True, "wall": results[0]["wall"]}
    best = min(ok, key=lambda r: r["wall"])
    return {
        "name": name,
        "runs": len(results),
        **best,
        "rss_mb": max(r["rss_mb"] for r in ok),
        "all_wall": [round(r["wall"], 2) for r in ok],
    }


def check_tlstui(out: Path, manifest: dict | None) -> dict:
    """Is the tlstui JSON sane for this capture?"""
    with open(out, encoding="utf-8") as fh:
        rep = json.load(fh)
    sessions = rep["sessions"]
    status = Counter(s["status"] for s in sessions)
    causes = Counter(
        s["diagnosis"]["cause"] for s in sessions if s.get("diagnosis") and s["status"] != "ok"
    )
    versions = Counter(s["version"] for s in sessions)
    res = {
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


def fmt_ratio(x: dict, ref: dict, key: str) -> str:
    if x.get("timeout"):
        return (
            f">{x['wall'] / ref['wall']:.2f}" if key == "wall" and not ref.get("timeout") else "-"
        )
    if ref.get("timeout") or not ref.get(key):
        return "-"
    return f"{x[key] / ref[key]:.2f}"


def table(rows: list[dict], ref: dict) -> str:
    head = ("tool", "runs", "wall s", "CPU s", "peak MB", "wall/tshark", "CPU/tshark")
    lines = [head]
    for r in rows:
        if r.get("timeout"):
            lines.append(
                (
                    r["name"],
                    str(r["runs"]),
                    f">{r['wall']:.0f}",
                    "-",
                    "-",
                    fmt_ratio(r, ref, "wall"),
                    "-",
                )
            )
            continue
        lines.append(
            (
                r["name"],
                str(r["runs"]),
                f"{r['wall']:.1f}",
                f"{r['cpu']:.1f}",
                f"{r['rss_mb']:.0f}",
                fmt_ratio(r, ref, "wall"),
                fmt_ratio(r, ref, "cpu"),
            )
        )
    w = [max(len(x[i]) for x in lines) for i in range(len(head))]
    out = ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(row)) + " |" for row in lines]
    out.insert(1, "|" + "|".join("-" * (n + 2) for n in w) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture", nargs="?", default=DEFAULT_CAPTURE)
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
        "--tlstui-root",
        type=Path,
        default=REPO,
        help="source tree whose tlstui package is timed (default: this repo)",
    )
    ap.add_argument(
        "--only", default="tlstui,tshark,dpkt", help="comma-separated subset of tlstui,tshark,dpkt"
    )
    ap.add_argument("--sessions", type=int, default=20000, help="when building the capture")
    ap.add_argument("--target-mb", type=float, default=1300, help="when building the capture")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--shapes",
        default="bulk,chatty",
        help="traffic shapes to time, comma-separated: bulk (CAPTURE) and chatty (--chatty)",
    )
    ap.add_argument(
        "--chatty",
        help="the chatty capture (default: CAPTURE with -chatty before the suffix; built with "
        "make_big_capture.py --shape chatty when missing)",
    )
    a = ap.parse_args(argv)
    if not Path(TIME).exists():
        print(f"{TIME} is missing: apt-get install -y time", file=sys.stderr)
        return 2
    bulk = Path(a.capture)
    chatty = Path(a.chatty) if a.chatty else bulk.with_name(f"{bulk.stem}-chatty{bulk.suffix}")
    code = 0
    figures: dict[str, dict] = {}
    for shape in a.shapes.split(","):
        cap = {"bulk": bulk, "chatty": chatty}[shape]
        print(f"\n== shape {shape}: {cap}")
        rc, figures[shape] = bench_capture(a, shape, cap)
        code = max(code, rc)
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2) + "\n")
    return code


def bench_capture(a: argparse.Namespace, shape: str, cap: Path) -> tuple[int, dict]:
    """Time the tools on one capture (built first when missing); print the table."""
    only = set(a.only.split(","))
    if not cap.exists():
        print(f"{cap} is missing; building it ...", file=sys.stderr)
        subprocess.run(
            [
                a.python,
                str(HERE / "make_big_capture.py"),
                str(cap),
                "--sessions",
                str(a.sessions),
                "--target-mb",
                str(a.target_mb),
                "--shape",
                shape,
            ],
            check=True,
        )
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

    env = dict(os.environ)
    root = str(a.tlstui_root.resolve())
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
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
    rows: list[dict] = []
    check = None
    with tempfile.TemporaryDirectory(prefix="tlstui-bench-") as tmp:
        out_json = Path(tmp) / "tlstui.json"

        def run_tlstui(i: int) -> dict:
            if i == 0:
                with open(out_json, "wb") as fh:
                    return timed(tlstui_cmd, fh, env=env, cwd=root, timeout=a.timeout)
            return timed(tlstui_cmd, subprocess.DEVNULL, env=env, cwd=root, timeout=a.timeout)

        tools: list[tuple[str, object]] = []
        if "tshark" in only:
            tools.append(
                (
                    "tshark",
                    lambda i: timed(tshark_cmd(str(cap)), subprocess.DEVNULL, timeout=a.timeout),
                )
            )
        if "tlstui" in only:
            tools.append(("tlstui --json", run_tlstui))
        if "dpkt" in only:
            tools.append(
                (
                    "dpkt read loop",
                    lambda i: timed(dpkt_cmd, subprocess.DEVNULL, env=env, timeout=a.timeout),
                )
            )
        rows.extend(interleaved(tools, a.runs, a.slow))
        r = next((x for x in rows if x["name"] == "tlstui --json"), None)
        if r and not r.get("timeout") and out_json.exists() and out_json.stat().st_size:
            try:
                check = check_tlstui(out_json, manifest)
            except (ValueError, KeyError) as exc:
                check = {"problems": [f"output is not the expected JSON: {exc}"]}

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
    print(f"tlstui tree: {root}")
    print("wall = best of 'runs' runs; CPU = user+sys of that run; peak MB = max RSS\n")
    print(table(rows, ref))
    for r in rows:
        if r.get("stderr"):
            print(f"\n{r['name']} exited {r.get('exit')}: {r['stderr'][-500:]}")
    if check is not None:
        print(
            f"\ntlstui output: {check.get('sessions')} sessions "
            f"{check.get('status')}, failed causes {check.get('failed_causes')}, "
            f"packets {check.get('packets')}"
        )
        if check["problems"]:
            print("  PROBLEMS: " + "; ".join(check["problems"]))
        else:
            print("  matches the capture manifest (sessions, failed, packets)")
    print("\ncommands:")
    print("  tlstui: " + shlex.join(tlstui_cmd) + " > /dev/null")
    print("  tshark: " + shlex.join(tshark_cmd(str(cap))) + " > /dev/null")
    print("  dpkt:   " + shlex.join(dpkt_cmd[:2]) + " ... " + str(cap))
    figures = {
        "shape": shape,
        "capture": str(cap),
        "bytes": size,
        "manifest": manifest,
        "machine": info,
        "tlstui_root": root,
        "results": rows,
        "check": check,
    }
    bad = check is not None and check["problems"]
    return (1 if bad else 0), figures


if __name__ == "__main__":
    raise SystemExit(main())
