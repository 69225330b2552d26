#!/usr/bin/env python3
"""Long fuzz run against hostile input (issue 6); the CI budget lives in tests/test_fuzz.py.

    python scripts/fuzz.py                          # atheris if installed, 10 min per target
    python scripts/fuzz.py --target pipeline --seconds 3600
    python scripts/fuzz.py --engine hypothesis --examples 20000
    python scripts/fuzz.py --target stream --runs 200000

Targets (``--target``, default ``all``):

* ``pipeline``: the input is a capture file: ``analyze`` + JSON + ``--report`` rendering.
  Allowed outcomes: a report, or ``CaptureError`` with a one-line message; the rendered
  report must hold no control characters.  Seeds: every capture in ``tests/hostile/``.
* ``stream``: the input is one direction's TCP payload, fed in chunks (sizes from the first
  bytes) to the TLS record reader and session builder.  Seeds: the real handshake streams.
* ``hello``: the input is a handshake message body for every decoder in
  ``tlstui.tls.messages`` and the certificate summariser.  Allowed: a result or DecodeError.
* ``udp``: the pipeline target seeded with the QUIC, DTLS and tunnel captures.
* ``datagram``: one UDP payload through the QUIC (header, Initial unprotection, frames, CRYPTO
  reassembly) and DTLS (records, fragments) parsers.  Seeds: the datagrams of captures/udp/.

Engines: ``atheris`` (coverage-guided libFuzzer, ``pip install atheris``; crashes are written
as ``crash-*`` files under ``--artifacts``, default /tmp/tlstui-fuzz) or ``hypothesis`` (the
mutation strategies of tests/test_fuzz.py with many more examples).  Exit status 0 when no
finding, 1 otherwise.  Each target runs in a child process, so one finding does not stop
the others; the summary line per target gives executions and findings.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
TARGETS = ("pipeline", "stream", "hello", "udp", "datagram")


# --- the targets (bytes in, exception out when something is wrong) -------------------------


def _pipeline(data: bytes) -> None:
    from rich.console import Console

    from tlstui.analysis.engine import analyze
    from tlstui.output.json_report import to_json
    from tlstui.output.text_report import print_report
    from tlstui.wire.capture import CaptureError

    with tempfile.NamedTemporaryFile(suffix=".pcap", dir=_shm()) as fh:
        fh.write(data)
        fh.flush()
        try:
            report = analyze(fh.name)
        except CaptureError as exc:
            if "\n" in str(exc):
                raise AssertionError(f"multi-line CaptureError: {exc!r}") from None
            return
    to_json(report)
    out = io.StringIO()
    print_report(report, console=Console(file=out, width=100, highlight=False))
    bad = _UNSAFE.search(out.getvalue())
    if bad:
        raise AssertionError(f"unsafe character {bad.group(0)!r} in the report")


def _stream(data: bytes) -> None:
    from tlstui.analysis.model import Endpoint, Session
    from tlstui.analysis.sessions import CLIENT, SERVER, SessionBuilder
    from tlstui.tls.records import RecordReader

    if len(data) < 2:
        return
    side = data[0] & 1
    step = 1 + data[1]  # chunk size 1..256 bytes
    body = data[2:]
    s = Session(
        id=1,
        client=Endpoint("10.0.0.1", 1),
        server=Endpoint("10.0.0.2", 443),
        first_frame=1,
        last_frame=1,
        start=0.0,
        end=0.0,
    )
    b = SessionBuilder(s)
    readers = [RecordReader(b, CLIENT), RecordReader(b, SERVER)]
    b.readers = readers
    for frame, i in enumerate(range(0, len(body), step), 1):
        readers[side].feed(memoryview(body)[i : i + step], frame, float(frame))
    readers[side].finish()
    b.finish()


def _hello(data: bytes) -> None:
    from tlstui.tls import messages as m
    from tlstui.tls.x509 import summarize_certificate

    calls = (
        lambda: m.decode_client_hello(data, 0x0301),
        lambda: m.decode_server_hello(data, 0x0303),
        lambda: m.decode_certificate(data, False),
        lambda: m.decode_certificate(data, True),
        lambda: m.decode_server_key_exchange(data, 0xC02F, 0x0303),
        lambda: m.decode_server_key_exchange(data, 0x0033, 0x0303),
        lambda: m.decode_server_key_exchange(data, 0x00AE, 0x0303),
        lambda: m.decode_certificate_request(data, False),
        lambda: m.decode_certificate_request(data, True),
        lambda: m.decode_new_session_ticket(data, False),
        lambda: m.decode_new_session_ticket(data, True),
        lambda: m.decode_sslv2_client_hello(data),
    )
    for call in calls:
        with contextlib.suppress(m.DecodeError):
            call()
    summarize_certificate(data)
    m.dn_to_string(data)


def _datagram(data: bytes) -> None:
    """One UDP payload through every QUIC and DTLS parser (headers, unprotection with keys
    derived from its own connection id, frames, CRYPTO reassembly, DTLS fragments)."""
    from tlstui.tls import dtls
    from tlstui.tls import quic as q

    hdr = q.parse_long_header(data)
    if hdr is not None and hdr.ptype == q.INITIAL:
        keys = q.initial_keys(hdr.dcid, hdr.version)
        if keys is not None:
            q.unprotect(data, 0, hdr.pn_offset, hdr.end, keys[0])
    for short in (False, True):
        frames = q.parse_frames(data, short=short)
        stream = q.CryptoStream()
        for off, chunk in frames.crypto:
            stream.add(off, chunk, 1)
        assert stream.held <= q.MAX_CRYPTO_BUFFER
    r = dtls.Reassembler()
    for _t, _v, epoch, _s, body in dtls.records(data):
        if epoch == 0:
            for frag in dtls.fragments(body):
                r.add(frag, 1)
    assert len(r.partial) <= dtls.MAX_PENDING


_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FUNCS = {
    "pipeline": _pipeline,
    "stream": _stream,
    "hello": _hello,
    "udp": _pipeline,  # the pipeline, seeded with QUIC/DTLS/tunnel captures
    "datagram": _datagram,
}


def _shm() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") else None


# --- seeds ------------------------------------------------------------------------------------


def _seeds(target: str) -> list[bytes]:
    sys.path.insert(0, str(HOSTILE))
    import make_hostile as mh

    if target == "udp":
        caps = ROOT / "captures"
        return [
            p.read_bytes()
            for p in sorted([*caps.glob("udp/*.pcap"), *caps.glob("tunnels/*.pcap")])
            if p.stat().st_size < 20000
        ]
    if target == "datagram":
        from tlstui.wire.udp import decode_udp

        out = []
        for p in sorted((ROOT / "captures" / "udp").glob("*.pcap")):
            raw = p.read_bytes()
            pos = 24
            while pos + 16 <= len(raw):
                n = struct.unpack_from("<I", raw, pos + 8)[0]
                f = raw[pos + 16 : pos + 16 + n]
                pos += 16 + n
                r = decode_udp(f, 0, len(f), 1)
                if r is not None:
                    out.append(f[r[3] : r[3] + r[4]])
        return out
    if target == "pipeline":
        return [
            p.read_bytes()
            for p in sorted(HOSTILE.iterdir())
            if p.is_file() and p.suffix != ".py" and p.stat().st_size < 20000
        ]
    flights = mh.base_flights("tls12") + mh.base_flights("tls13")
    if target == "stream":
        out = []
        for which in ("tls12", "tls13"):
            fl = mh.base_flights(which)
            for side in (0, 1):
                stream = b"".join(b"".join(r) for s, r in fl if s == side)
                out += [bytes([side, 0]) + stream, bytes([side, 200]) + stream]
        return out
    bodies = [rec[9:] for _side, recs in flights for rec in recs if rec[0] == 22]
    cert = mh.cert_ders(mh.base_flights("tls12")[1][1][1])
    return bodies + cert[:2]


# --- engines ----------------------------------------------------------------------------------


def run_atheris(target: str, runs: int, seconds: int, artifacts: Path) -> int:
    import atheris

    with atheris.instrument_imports():
        pass

    func = _FUNCS[target]
    corpus = Path(tempfile.mkdtemp(prefix=f"tlstui-fuzz-{target}-"))
    for i, seed in enumerate(_seeds(target)):
        (corpus / f"seed{i:03d}").write_bytes(seed)
    artifacts.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0],
        f"-max_total_time={seconds}",
        "-timeout=20",
        "-rss_limit_mb=4096",
        f"-artifact_prefix={artifacts}/{target}-",
        "-print_final_stats=1",
        "-max_len=65536" if target == "pipeline" else "-max_len=20000",
        str(corpus),
    ]
    if runs:
        args.insert(1, f"-runs={runs}")
    atheris.Setup(args, func)
    atheris.Fuzz()
    return 0


def run_hypothesis(target: str, examples: int, seconds: int) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from tests.test_fuzz import mutate, ops_st, reorder

    seeds = _seeds(target)
    func = _FUNCS[target]
    count = [0]
    deadline = time.monotonic() + seconds

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        seed=st.sampled_from(seeds),
        ops=ops_st,
        shuffle=st.integers(0, 1 << 30),
        mode=st.integers(-1, 3),
    )
    def prop(seed: bytes, ops: list, shuffle: int, mode: int) -> None:
        if time.monotonic() > deadline:
            return
        count[0] += 1
        data = reorder(seed, shuffle, mode) if mode >= 0 and target == "pipeline" else seed
        func(mutate(data, ops))

    prop()
    print(f"#{count[0]} DONE hypothesis examples: {count[0]}")
    return 0


# --- driver -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", choices=(*TARGETS, "all"), default="all")
    ap.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    ap.add_argument("--seconds", type=int, default=600, help="per target")
    ap.add_argument("--runs", type=int, default=0, help="atheris: stop after N executions")
    ap.add_argument("--examples", type=int, default=20000, help="hypothesis: examples")
    ap.add_argument("--artifacts", type=Path, default=Path("/tmp/tlstui-fuzz"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    if args.child:
        sys.path.insert(0, str(ROOT))
        if engine == "atheris":
            return run_atheris(args.target, args.runs, args.seconds, args.artifacts)
        return run_hypothesis(args.target, args.examples, args.seconds)

    targets = TARGETS if args.target == "all" else (args.target,)
    failed = 0
    for target in targets:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--target",
            target,
            "--engine",
            engine,
            "--seconds",
            str(args.seconds),
            "--runs",
            str(args.runs),
            "--examples",
            str(args.examples),
            "--artifacts",
            str(args.artifacts),
        ]
        start = time.monotonic()
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        log = proc.stdout + proc.stderr
        execs = _executions(log)
        ok = proc.returncode == 0
        failed += not ok
        print(
            f"{target:9s} engine={engine} executions={execs} seconds="
            f"{time.monotonic() - start:.0f} findings={0 if ok else 1}"
        )
        if not ok:
            tail = "\n".join(log.strip().splitlines()[-40:])
            print(f"--- {target} failed (exit {proc.returncode}):\n{tail}\n---")
    return 1 if failed else 0


def _executions(log: str) -> str:
    m = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    if m:
        return m[-1]
    m = re.findall(r"#(\d+)\s", log)
    return m[-1] if m else "?"


if __name__ == "__main__":
    raise SystemExit(main())
