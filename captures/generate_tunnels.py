#!/usr/bin/env python3
"""Re-create the tunnel captures in captures/tunnels/: a real TLS handshake (openssl) and a
real QUIC handshake (aioquic) carried by a Linux kernel tunnel between two private network
namespaces, captured on the underlay veth.

    python captures/generate_tunnels.py            # every tunnel type this kernel offers
    python captures/generate_tunnels.py vxlan

Needs root, iproute2 (ip netns, veth and the tunnel's link type), tcpdump, openssl, aioquic.
The namespaces (``tlstui-tun-a``/``tlstui-tun-b``) and every process are removed at the end,
also on failure.  A tunnel type whose kernel module is missing is reported, not faked:
``ip link add ... type geneve`` answering "Unknown device type" means this kernel (or
sandbox) does not have it.  All addresses live only inside the two namespaces.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import PKI, killpg

HERE = Path(__file__).resolve().parent
OUT = HERE / "tunnels"
NS_A, NS_B = "tlstui-tun-a", "tlstui-tun-b"
UNDER_A, UNDER_B = "10.99.0.1", "10.99.0.2"  # underlay (veth), inside the namespaces only
OVER_A, OVER_B = "10.98.0.1", "10.98.0.2"  # overlay (the tunnel's addresses)

# name -> (ip link arguments for side A, for side B, tcpdump filter on the underlay)
TUNNELS: dict[str, tuple[list[str], list[str], str]] = {
    "vxlan": (
        ["type", "vxlan", "id", "42", "remote", UNDER_B, "dstport", "4789", "dev", "va"],
        ["type", "vxlan", "id", "42", "remote", UNDER_A, "dstport", "4789", "dev", "vb"],
        "udp port 4789",
    ),
    "geneve": (
        ["type", "geneve", "id", "42", "remote", UNDER_B],
        ["type", "geneve", "id", "42", "remote", UNDER_A],
        "udp port 6081",
    ),
    "gretap": (
        ["type", "gretap", "local", UNDER_A, "remote", UNDER_B],
        ["type", "gretap", "local", UNDER_B, "remote", UNDER_A],
        "proto gre",
    ),
    "erspan": (
        ["type", "erspan", "local", UNDER_A, "remote", UNDER_B, "seq", "key", "1"],
        ["type", "erspan", "local", UNDER_B, "remote", UNDER_A, "seq", "key", "1"],
        "proto gre",
    ),
    "ipip": (
        ["type", "ipip", "local", UNDER_A, "remote", UNDER_B],
        ["type", "ipip", "local", UNDER_B, "remote", UNDER_A],
        "ip proto 4",
    ),
    "sit": (
        ["type", "sit", "local", UNDER_A, "remote", UNDER_B],
        ["type", "sit", "local", UNDER_B, "remote", UNDER_A],
        "ip proto 41",
    ),
}


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=check)


def ns(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return sh("ip", "netns", "exec", name, *args, check=check)


def teardown() -> None:
    for n in (NS_A, NS_B):
        sh("ip", "netns", "del", n, check=False)


def setup(kind: str) -> str | None:
    """Build both namespaces and the tunnel; return an error text when the kernel refuses."""
    teardown()
    sh("ip", "netns", "add", NS_A)
    sh("ip", "netns", "add", NS_B)
    sh("ip", "-n", NS_A, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", NS_B)
    sh("ip", "-n", NS_A, "addr", "add", f"{UNDER_A}/24", "dev", "va")
    sh("ip", "-n", NS_B, "addr", "add", f"{UNDER_B}/24", "dev", "vb")
    for n, dev in ((NS_A, "va"), (NS_B, "vb")):
        sh("ip", "-n", n, "link", "set", dev, "up")
        sh("ip", "-n", n, "link", "set", "lo", "up")
    a_args, b_args, _ = TUNNELS[kind]
    for n, args, over in ((NS_A, a_args, OVER_A), (NS_B, b_args, OVER_B)):
        r = sh("ip", "-n", n, "link", "add", "tun0", *args, check=False)
        if r.returncode:
            return f"ip link add tun0 {' '.join(args)}: {r.stderr.strip()}"
        sh("ip", "-n", n, "addr", "add", f"{over}/24", "dev", "tun0")
        sh("ip", "-n", n, "link", "set", "tun0", "up")
    return None


def wait_port(nsname: str, port: int, proto: str, proc: subprocess.Popen) -> None:
    end = time.monotonic() + 10
    flag = "-Hltn" if proto == "tcp" else "-Hlun"
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early rc={proc.returncode}")
        if ns(nsname, "ss", flag, f"sport = :{port}", check=False).stdout.strip():
            return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def make(kind: str, pki: PKI, work: Path) -> str:
    err = setup(kind)
    if err is not None:
        teardown()
        return f"not available here: {err}"
    OUT.mkdir(exist_ok=True)
    raw = work / f"{kind}.pcap"
    keys = work / f"{kind}.keys"
    procs: list[subprocess.Popen] = []
    log = open(work / f"{kind}.log", "wb")  # noqa: SIM115
    try:
        tcpd = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                NS_A,
                "timeout",
                "60",
                "tcpdump",
                "-i",
                "va",
                "-U",
                "-w",
                str(raw),
                TUNNELS[kind][2],
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        procs.append(tcpd)
        assert tcpd.stderr is not None
        line = tcpd.stderr.readline()
        if "listening" not in line:
            return f"tcpdump did not start: {line!r}"
        time.sleep(0.3)
        # A TLS 1.3 handshake over TCP through the tunnel.
        srv = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                NS_B,
                "timeout",
                "30",
                "openssl",
                "s_server",
                "-accept",
                f"{OVER_B}:4433",
                "-cert",
                str(pki.rsa[0]),
                "-key",
                str(pki.rsa[1]),
                "-www",
                "-keylogfile",
                str(keys),
                "-quiet",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        procs.append(srv)
        wait_port(NS_B, 4433, "tcp", srv)
        cl = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                NS_A,
                "timeout",
                "10",
                "openssl",
                "s_client",
                "-connect",
                f"{OVER_B}:4433",
                "-servername",
                "localhost",
                "-CAfile",
                str(pki.ca[0]),
                "-verify_return_error",
                "-ign_eof",
            ],
            input=b"GET / HTTP/1.0\r\n\r\n",
            stdout=log,
            stderr=log,
            timeout=20,
        )
        if cl.returncode:
            return f"openssl s_client failed rc={cl.returncode}"
        # A QUIC handshake (UDP inside the tunnel).
        cfg = {
            "host": OVER_B,
            "port": 4443,
            "cert": str(pki.rsa[0]),
            "key": str(pki.rsa[1]),
            "keylog": str(keys),
            "alpn": ["h3"],
        }
        qs = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                NS_B,
                "timeout",
                "30",
                sys.executable,
                str(HERE / "quic_peer.py"),
                "server",
                json.dumps(cfg),
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        procs.append(qs)
        wait_port(NS_B, 4443, "udp", qs)
        ccfg = {
            "host": OVER_B,
            "port": 4443,
            "cafile": str(pki.ca[0]),
            "keylog": str(keys),
            "alpn": ["h3"],
        }
        qc = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                NS_A,
                "timeout",
                "15",
                sys.executable,
                str(HERE / "quic_peer.py"),
                "client",
                json.dumps(ccfg),
            ],
            stdout=log,
            stderr=log,
            timeout=25,
        )
        if qc.returncode:
            return f"QUIC client failed rc={qc.returncode}"
        time.sleep(0.3)
    finally:
        for p in reversed(procs):
            killpg(p, signal.SIGINT if p is procs[0] else signal.SIGTERM)
        log.close()
        teardown()
    shutil.copyfile(raw, OUT / f"{kind}.pcap")
    shutil.copyfile(keys, OUT / f"{kind}.keys")
    n = sh(
        "tshark",
        "-n",
        "-r",
        str(OUT / f"{kind}.pcap"),
        "-Y",
        "tls.handshake.type == 1 or quic.long.packet_type == 0",
        check=False,
    ).stdout
    if len(n.splitlines()) < 2:
        return "tshark does not see both ClientHellos inside the tunnel"
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kinds", nargs="*", default=list(TUNNELS))
    a = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory(prefix="tlstui-tun-") as tmp:
        work = Path(tmp)
        pki = PKI(work)
        for kind in a.kinds:
            msg = make(kind, pki, work)
            print(f"{kind}: {msg or 'ok'}", flush=True)
            bad += bool(msg) and "not available here" not in msg
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
