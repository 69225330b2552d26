#!/usr/bin/env python3
"""Re-create the QUIC and DTLS captures in this folder from real stacks on loopback.

Usage (as root, or with capture rights for tcpdump):

    python captures/generate_udp.py              # every capture
    python captures/generate_udp.py quic-ok      # only the named ones
    python captures/generate_udp.py --list

QUIC uses aioquic (``pip install aioquic``) through ``captures/quic_peer.py``; DTLS uses
``openssl s_server -dtls1_2`` / ``s_client`` and ``gnutls-serv --udp`` / ``gnutls-cli --udp``.
Like ``generate.py`` (whose PKI, tcpdump and process helpers this imports): a throwaway PKI,
servers on free loopback ports, tcpdump started and confirmed before the client runs, every
process under ``timeout`` and stopped by PID, then tshark checks what the stacks really sent
(handshake types, alerts, QUIC CONNECTION_CLOSE codes) and fails loudly when it differs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import PKI, Tcpdump, free_port, killpg, wait_listening

HERE = Path(__file__).resolve().parent
OUT = HERE / "udp"  # kept apart: the TCP capture tests iterate over captures/*.pcap
PEER = HERE / "quic_peer.py"
V1, V2 = 0x00000001, 0x6B3343CF


@dataclass
class Run:
    """One server and one client; what tshark must then see."""

    server: list[str]
    client: list[str]
    client_ok: bool
    # tshark expectations: a display filter that must match at least one frame, each
    must_match: list[str] = field(default_factory=list)
    must_not_match: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes = b""


@dataclass
class Ctx:
    pki: PKI
    work: Path
    port: int
    name: str

    def keys(self, side: str) -> Path:
        return self.work / f"{self.name}-{side}.keys"


def quic(c: Ctx, server: dict, client: dict) -> tuple[list[str], list[str]]:
    base = {"host": "127.0.0.1", "port": c.port}
    s = {**base, "cert": str(c.pki.rsa[0]), "key": str(c.pki.rsa[1])}
    s.update(server, keylog=str(c.keys("server")))
    cl = {**base, "cafile": str(c.pki.ca[0])}
    cl.update(client, keylog=str(c.keys("client")))
    py = sys.executable
    return [py, str(PEER), "server", json.dumps(s)], [py, str(PEER), "client", json.dumps(cl)]


def sc_quic_ok(c: Ctx) -> Run:
    s, cl = quic(c, {"alpn": ["h3"]}, {"alpn": ["h3"]})
    return Run(s, cl, True, ["quic.long.packet_type == 2", "tls.handshake.type == 20"])


def sc_quic_alpn_mismatch(c: Ctx) -> Run:
    s, cl = quic(c, {"alpn": ["h3"]}, {"alpn": ["hq-interop"]})
    return Run(s, cl, False, ["quic.cc.error_code == 0x178"])


def sc_quic_untrusted_ca(c: Ctx) -> Run:
    s, cl = quic(c, {}, {})
    s[-1] = json.dumps(
        {**json.loads(s[-1]), "cert": str(c.pki.untrusted[0]), "key": str(c.pki.untrusted[1])}
    )
    return Run(s, cl, False, ["quic.cc.error_code == 0x12a"])


def sc_quic_no_common_cipher(c: Ctx) -> Run:
    s, cl = quic(c, {"suites": [0x1302]}, {"suites": [0x1301]})
    return Run(s, cl, False, ["quic.cc.error_code == 0x128"])


def sc_quic_version_negotiation(c: Ctx) -> Run:
    s, cl = quic(c, {"versions": [V1]}, {"versions": [V2]})
    return Run(s, cl, False, ["quic.version == 0"])


def sc_quic_v2_ok(c: Ctx) -> Run:
    s, cl = quic(c, {"versions": [V2, V1]}, {"versions": [V2]})
    return Run(s, cl, True, ["quic.version == 0x6b3343cf", "tls.handshake.type == 20"])


def ossl_dtls_server(c: Ctx, *extra: str, cert: str = "rsa") -> list[str]:
    crt, key = getattr(c.pki, cert)
    return [
        "openssl",
        "s_server",
        "-listen",  # stateless cookie exchange: HelloVerifyRequest first
        "-accept",
        f"127.0.0.1:{c.port}",
        "-cert",
        str(crt),
        "-key",
        str(key),
        "-keylogfile",
        str(c.keys("server")),
        "-quiet",
        *extra,
    ]


def ossl_dtls_client(c: Ctx, *extra: str) -> list[str]:
    return [
        "openssl",
        "s_client",
        "-connect",
        f"127.0.0.1:{c.port}",
        "-servername",
        "localhost",
        "-CAfile",
        str(c.pki.ca[0]),
        "-verify_return_error",
        "-keylogfile",
        str(c.keys("client")),
        *extra,
    ]


def gnutls_dtls_server(c: Ctx, *extra: str, cert: str = "rsa") -> list[str]:
    crt, key = getattr(c.pki, cert)
    return [
        "gnutls-serv",
        "--udp",
        "-p",
        str(c.port),
        "--x509certfile",
        str(crt),
        "--x509keyfile",
        str(key),
        *extra,
    ]


def gnutls_dtls_client(c: Ctx, *extra: str) -> list[str]:
    return [
        "gnutls-cli",
        "--udp",
        "127.0.0.1",
        "-p",
        str(c.port),
        "--sni-hostname",
        "localhost",
        "--verify-hostname",
        "localhost",
        "--x509cafile",
        str(c.pki.ca[0]),
        *extra,
    ]


def sc_dtls12_ok(c: Ctx) -> Run:
    return Run(
        ossl_dtls_server(c, "-dtls1_2"),
        ossl_dtls_client(c, "-dtls1_2"),
        True,
        ["dtls.handshake.type == 3", "dtls.handshake.type == 20 or dtls.record.epoch == 1"],
        stdin=b"hello\n",
    )


def sc_dtls12_untrusted_ca(c: Ctx) -> Run:
    return Run(
        ossl_dtls_server(c, "-dtls1_2", cert="untrusted"),
        ossl_dtls_client(c, "-dtls1_2"),
        False,
        ["dtls.alert_message.desc == 48"],
    )


def sc_dtls12_no_shared_cipher(c: Ctx) -> Run:
    return Run(
        ossl_dtls_server(c, "-dtls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"),
        ossl_dtls_client(c, "-dtls1_2", "-cipher", "AES256-SHA256"),
        False,
        ["dtls.alert_message.desc == 40"],
    )


def sc_dtls12_client_cert_missing(c: Ctx) -> Run:
    return Run(
        ossl_dtls_server(c, "-dtls1_2", "-Verify", "1", "-CAfile", str(c.pki.client_ca[0])),
        ossl_dtls_client(c, "-dtls1_2"),
        False,
        ["dtls.handshake.type == 13", "dtls.alert_message"],
        stdin=b"hello\n",
    )


def sc_dtls_version_mismatch(c: Ctx) -> Run:
    return Run(
        ossl_dtls_server(c, "-dtls1_2"),
        ossl_dtls_client(c, "-dtls1", "-cipher", "DEFAULT@SECLEVEL=0"),
        False,
        ["dtls.alert_message.desc == 70"],
    )


def sc_dtls12_fragmented(c: Ctx) -> Run:
    return Run(
        ossl_dtls_server(c, "-dtls1_2", "-mtu", "300"),
        ossl_dtls_client(c, "-dtls1_2", "-mtu", "300"),
        True,
        ["dtls.fragment.count > 1"],
        stdin=b"hello\n",
    )


def sc_dtls12_ok_gnutls(c: Ctx) -> Run:
    return Run(
        gnutls_dtls_server(c, "--priority", "NORMAL:-VERS-ALL:+VERS-DTLS1.2"),
        gnutls_dtls_client(c),
        True,
        ["dtls.handshake.type == 3", "dtls.record.epoch == 1"],
        env={"SSLKEYLOGFILE": str(c.keys("client"))},
    )


def sc_dtls12_untrusted_ca_gnutls(c: Ctx) -> Run:
    return Run(
        gnutls_dtls_server(c, "--priority", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", cert="untrusted"),
        gnutls_dtls_client(c),
        False,
        ["dtls.alert_message"],
        env={"SSLKEYLOGFILE": str(c.keys("client"))},
    )


SCENARIOS: dict[str, Callable[[Ctx], Run]] = {
    "dtls12-ok": sc_dtls12_ok,
    "dtls12-untrusted-ca": sc_dtls12_untrusted_ca,
    "dtls12-no-shared-cipher": sc_dtls12_no_shared_cipher,
    "dtls12-client-cert-missing": sc_dtls12_client_cert_missing,
    "dtls-version-mismatch": sc_dtls_version_mismatch,
    "dtls12-fragmented": sc_dtls12_fragmented,
    "dtls12-ok-gnutls": sc_dtls12_ok_gnutls,
    "dtls12-untrusted-ca-gnutls": sc_dtls12_untrusted_ca_gnutls,
    "quic-ok": sc_quic_ok,
    "quic-alpn-mismatch": sc_quic_alpn_mismatch,
    "quic-untrusted-ca": sc_quic_untrusted_ca,
    "quic-no-common-cipher": sc_quic_no_common_cipher,
    "quic-version-negotiation": sc_quic_version_negotiation,
    "quic-v2-ok": sc_quic_v2_ok,
}


def tshark_count(path: Path, keys: Path, flt: str, port: int) -> int:
    out = subprocess.run(
        [
            "tshark",
            "-n",
            "-r",
            str(path),
            "-o",
            f"tls.keylog_file:{keys}",
            # DTLS on a random port needs a hint; QUIC is found by tshark's heuristics.
            *(["-d", f"udp.port=={port},dtls"] if path.stem.startswith("dtls") else []),
            "-Y",
            flt,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return len([line for line in out.stdout.splitlines() if line.strip()])


def make(name: str, pki: PKI, work: Path) -> list[str]:
    port = free_port("127.0.0.1")
    c = Ctx(pki, work, port, name)
    run = SCENARIOS[name](c)
    capdir = work / "cap"
    capdir.mkdir(exist_ok=True)
    os.chmod(capdir, 0o777)
    raw = capdir / f"{name}.pcap"
    log = open(work / f"{name}.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        ["timeout", "60", *run.server],
        stdin=subprocess.PIPE if run.stdin else subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        env={**os.environ, **run.env},
        cwd=work,
    )
    tcpd = None
    rc = None
    try:
        wait_listening(port, server, udp=True)
        tcpd = Tcpdump(raw, "lo", f"udp and port {port}")
        p = subprocess.Popen(
            ["timeout", "-k", "2", "15", *run.client],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={**os.environ, **run.env},
        )
        try:
            p.communicate(run.stdin, timeout=25)
        finally:
            killpg(p)
        rc = p.returncode
        time.sleep(0.3)
    finally:
        if tcpd is not None:
            tcpd.stop()
        killpg(server, signal.SIGTERM)
        log.close()
    problems = []
    if run.client_ok != (rc == 0):
        problems.append(
            f"{name}: client rc={rc}, expected {'success' if run.client_ok else 'failure'}"
        )
    OUT.mkdir(exist_ok=True)
    dest, keys = OUT / f"{name}.pcap", OUT / f"{name}.keys"
    shutil.copyfile(raw, dest)
    lines: dict[str, None] = {}
    for side in ("client", "server"):
        kf = c.keys(side)
        if kf.exists():
            for line in kf.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    lines.setdefault(line, None)
    keys.write_text("".join(line + "\n" for line in lines))
    for flt in run.must_match:
        if tshark_count(dest, keys, flt, port) == 0:
            problems.append(f"{name}: tshark finds no frame matching {flt!r}")
    for flt in run.must_not_match:
        if tshark_count(dest, keys, flt, port):
            problems.append(f"{name}: tshark finds a frame matching {flt!r}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(SCENARIOS))
        return 0
    names = a.names or list(SCENARIOS)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tlstui-udp-") as tmp:
        work = Path(tmp)
        pki = PKI(work)
        for name in names:
            print(f"{name} ...", flush=True)
            problems += make(name, pki, work)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
