#!/usr/bin/env python3
"""Record both legs of a TLS-terminating proxy: a real client, a small Python ``ssl`` proxy,
and a real ``openssl s_server`` behind it, on loopback.

Usage (as root, or with capture rights for tcpdump):

    python captures/generate_proxy.py           # both scenarios
    python captures/generate_proxy.py --list    # the files it writes

Addresses: the client connects from 127.0.0.1 to the proxy on 127.0.0.2; the proxy connects
from 127.0.0.2 to the upstream server on 127.0.0.3.  So the proxy's address is the server of
the client leg and the client of the upstream leg, as on a real proxy host.

The proxy reads the client's ClientHello and, from its SNI callback, opens its own TLS
connection to the upstream server with the same SNI (as SNI-routing proxies do); when that
fails it refuses the client's handshake with internal_error (80).  Scenarios:

- ``proxy-upstream-untrusted``: the upstream server's certificate is issued by a CA the proxy
  does not trust: the proxy's upstream leg fails (unknown_ca), then the client leg fails with
  internal_error from the proxy.
- ``proxy-client-refuses``: the upstream leg succeeds; the client does not trust the proxy's
  certificate and refuses it (unknown_ca) on the client leg.

Each scenario is written three times, by three tcpdumps running at once: the client leg alone
(``NAME-client-leg.pcap``), the upstream leg alone (``NAME-upstream-leg.pcap``) and both legs in
one file (``NAME-both.pcap``), each with the merged key log ``.keys`` of all three processes.
Every process runs under ``timeout`` and is stopped by its PID; tshark checks each file.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENT_IP, PROXY_IP, UPSTREAM_IP = "127.0.0.1", "127.0.0.2", "127.0.0.3"
SNI = "app.example"
SCENARIOS = ("proxy-upstream-untrusted", "proxy-client-refuses")
LEGS = ("client-leg", "upstream-leg", "both")
INTERNAL_ERROR, UNKNOWN_CA = 80, 48


# --- the proxy (run as a child process: generate_proxy.py --serve ...) ------------------------


def serve(args: argparse.Namespace) -> int:
    """Accept one client, connect upstream from the SNI callback, relay one exchange."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(args.cert, args.key)
    server_ctx.keylog_filename = args.keylog
    upstream_ctx = ssl.create_default_context(cafile=args.upstream_ca)
    upstream_ctx.keylog_filename = args.keylog
    upstream: dict[str, ssl.SSLSocket] = {}

    def on_sni(_obj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> int | None:
        raw = socket.create_connection(
            (UPSTREAM_IP, args.upstream_port), timeout=5, source_address=(PROXY_IP, 0)
        )
        try:
            upstream["conn"] = upstream_ctx.wrap_socket(raw, server_hostname=name or SNI)
        except (ssl.SSLError, OSError) as exc:
            raw.close()
            print(f"proxy: upstream handshake failed: {exc}", file=sys.stderr)
            return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
        return None

    server_ctx.sni_callback = on_sni  # type: ignore[assignment]
    with socket.create_server((PROXY_IP, args.port)) as lsock:
        lsock.settimeout(20)
        conn, _ = lsock.accept()
        conn.settimeout(5)
        try:
            tls = server_ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            print(f"proxy: client handshake failed: {exc}", file=sys.stderr)
            conn.close()
        else:
            with contextlib.suppress(OSError, ssl.SSLError):
                request = tls.recv(4096)
                up = upstream.get("conn")
                if up is not None and request:
                    up.sendall(request)
                    tls.sendall(up.recv(65536))
            with contextlib.suppress(OSError, ssl.SSLError):
                tls.unwrap()
            tls.close()
        up = upstream.get("conn")
        if up is not None:
            with contextlib.suppress(OSError, ssl.SSLError):
                up.unwrap()
            up.close()
    return 0


# --- a throwaway PKI --------------------------------------------------------------------------


@dataclass
class Issued:
    cert: Path
    key: Path


def make_pki(d: Path) -> dict[str, Path | Issued]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlstui test"),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    def write(stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Issued:
        cp, kp = d / f"{stem}.pem", d / f"{stem}.key"
        cp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        kp.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return Issued(cp, kp)

    def ca(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cert, key

    def leaf(
        cn: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(issuer[0].subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(issuer[1], hashes.SHA256())
        )
        return cert, key

    proxy_ca, upstream_ca, rogue = (
        ca("tlstui Proxy CA"),
        ca("tlstui Upstream CA"),
        ca("tlstui Rogue CA"),
    )
    return {
        "proxy_ca": write("proxy_ca", *proxy_ca).cert,
        "upstream_ca": write("upstream_ca", *upstream_ca).cert,
        "proxy": write("proxy", *leaf(SNI, proxy_ca)),
        "upstream": write("upstream", *leaf(SNI, upstream_ca)),
        "upstream_rogue": write("upstream_rogue", *leaf(SNI, rogue)),
    }


# --- processes ----------------------------------------------------------------------------------


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_listening(ip: str, port: int, proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Wait until something listens on ip:port (via ss, so no connection is made)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"exited early (rc={proc.returncode}): {proc.args}")
        out = subprocess.run(
            ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, timeout=5
        ).stdout
        if ip in out:
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {ip}:{port}")


def start(argv: list[str], seconds: int = 30, **kw: object) -> subprocess.Popen:
    """Start *argv* under ``timeout`` in its own process group (stopped by PID later)."""
    return subprocess.Popen(
        ["timeout", str(seconds), *argv],
        start_new_session=True,
        **kw,  # type: ignore[arg-type]
    )


def stop_group(p: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if p.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, sig)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=5)


def start_tcpdump(out: Path, bpf: str) -> subprocess.Popen:
    p = start(
        ["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-s", "0", "-w", str(out), bpf],
        seconds=60,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stderr is not None
    end = time.monotonic() + 10
    while time.monotonic() < end:
        line = p.stderr.readline()
        if "listening on" in line:
            return p
        if not line and p.poll() is not None:
            break
    raise RuntimeError(f"tcpdump did not start for {out.name}")


# --- one scenario -------------------------------------------------------------------------------


def record(scenario: str, tmp: Path) -> list[Path]:
    pki = make_pki(tmp)
    keylog = tmp / "keys.log"
    keylog.touch()
    pport, uport = free_port(PROXY_IP), free_port(UPSTREAM_IP)
    rogue = scenario == "proxy-upstream-untrusted"
    up_cert = pki["upstream_rogue" if rogue else "upstream"]
    assert isinstance(up_cert, Issued)
    proxy_cert = pki["proxy"]
    assert isinstance(proxy_cert, Issued)
    # The client trusts the proxy's CA, except where it refuses the proxy's certificate.
    client_ca = pki["upstream_ca" if scenario == "proxy-client-refuses" else "proxy_ca"]

    outs = {leg: HERE / f"{scenario}-{leg}.pcap" for leg in LEGS}
    filters = {
        "client-leg": f"tcp and host {PROXY_IP} and port {pport}",
        "upstream-leg": f"tcp and host {UPSTREAM_IP} and port {uport}",
        "both": f"tcp and (port {pport} or port {uport})",
    }
    procs: list[subprocess.Popen] = []
    dumps: list[subprocess.Popen] = []
    try:
        server = start(
            [
                "openssl", "s_server", "-accept", f"{UPSTREAM_IP}:{uport}",
                "-cert", str(up_cert.cert), "-key", str(up_cert.key),
                "-keylogfile", str(keylog), "-naccept", "1", "-quiet",
            ],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(server)
        wait_listening(UPSTREAM_IP, uport, server)
        proxy = start(
            [
                sys.executable, str(Path(__file__).resolve()), "--serve",
                "--port", str(pport), "--upstream-port", str(uport),
                "--cert", str(proxy_cert.cert), "--key", str(proxy_cert.key),
                "--upstream-ca", str(pki["upstream_ca"]), "--keylog", str(keylog),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        procs.append(proxy)
        wait_listening(PROXY_IP, pport, proxy)
        for leg in LEGS:
            dumps.append(start_tcpdump(outs[leg], filters[leg]))
        client = subprocess.run(
            [
                "timeout", "15", "openssl", "s_client",
                "-connect", f"{PROXY_IP}:{pport}", "-servername", SNI,
                "-CAfile", str(client_ca), "-verify_return_error", "-verify_hostname", SNI,
                "-keylogfile", str(keylog),
            ],
            input="GET / HTTP/1.0\r\n\r\n", capture_output=True, text=True, timeout=20,
        )  # fmt: skip
        time.sleep(0.5)  # the proxy closes its upstream connection, the last FIN/ACKs arrive
    finally:
        for d in dumps:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(d.pid, signal.SIGINT)
        for d in dumps:
            stop_group(d, signal.SIGINT)
        for p in procs:
            stop_group(p)
    proxy_log = proxy.stderr.read() if proxy.stderr else ""
    print(f"{scenario}: client rc={client.returncode}; proxy: {proxy_log.strip() or 'ok'}")
    keys = keylog.read_text()
    for leg in LEGS:
        outs[leg].with_suffix(".keys").write_text(keys)
    return list(outs.values())


# --- the tshark check ---------------------------------------------------------------------------


def alerts(path: Path) -> list[tuple[str, str]]:
    """(sender IP, alert description) of every plaintext alert, as tshark reads it."""
    out = subprocess.run(
        ["tshark", "-r", str(path), "-Y", "tls.alert_message.desc",
         "-T", "fields", "-e", "ip.src", "-e", "tls.alert_message.desc"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    return [tuple(line.split("\t")) for line in out.splitlines() if line]  # type: ignore[misc]


def streams(path: Path) -> set[tuple[str, str]]:
    out = subprocess.run(
        ["tshark", "-r", str(path), "-Y", "tls.handshake.type == 1",
         "-T", "fields", "-e", "ip.src", "-e", "ip.dst"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    return {tuple(line.split("\t")) for line in out.splitlines() if line}  # type: ignore[misc]


def check(scenario: str) -> list[str]:
    failures = []
    client_leg = (CLIENT_IP, PROXY_IP)
    upstream_leg = (PROXY_IP, UPSTREAM_IP)
    if scenario == "proxy-upstream-untrusted":
        want_alerts = {
            "client-leg": [(PROXY_IP, str(INTERNAL_ERROR))],
            "upstream-leg": [(PROXY_IP, str(UNKNOWN_CA))],
        }
    else:
        want_alerts = {"client-leg": [(CLIENT_IP, str(UNKNOWN_CA))], "upstream-leg": []}
    want_alerts["both"] = want_alerts["upstream-leg"] + want_alerts["client-leg"]
    want_streams = {
        "client-leg": {client_leg},
        "upstream-leg": {upstream_leg},
        "both": {client_leg, upstream_leg},
    }
    for leg in LEGS:
        path = HERE / f"{scenario}-{leg}.pcap"
        got_alerts = [a for a in alerts(path) if a[1] != "0"]
        got_streams = streams(path)
        ok = sorted(got_alerts) == sorted(want_alerts[leg]) and got_streams == want_streams[leg]
        print(f"  {'ok  ' if ok else 'FAIL'} {path.name}: ClientHellos {sorted(got_streams)}, "
              f"alerts {got_alerts}")  # fmt: skip
        if not ok:
            failures.append(path.name)
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="list the files written")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--upstream-port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--cert", help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    ap.add_argument("--upstream-ca", help=argparse.SUPPRESS)
    ap.add_argument("--keylog", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args)
    if args.list:
        for s in SCENARIOS:
            for leg in LEGS:
                print(f"{s}-{leg}.pcap")
        return 0
    failures: list[str] = []
    for scenario in SCENARIOS:
        with tempfile.TemporaryDirectory(prefix="tlstui-proxy-") as tmp:
            record(scenario, Path(tmp))
        failures += check(scenario)
    if failures:
        print("FAIL: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
