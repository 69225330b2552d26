#!/usr/bin/env python3
"""A tiny real QUIC server or client (aioquic) for captures/generate_udp.py.

    quic_peer.py server JSON     # serve until killed
    quic_peer.py client JSON     # one handshake, exit 0 when it completed

JSON keys: host, port, cert, key (server), cafile (client), alpn (list), suites (list of
TLS 1.3 suite codes), versions (list of QUIC versions), keylog (SSLKEYLOGFILE path),
servername.  Both sides write their TLS secrets to the key log (same labels as TLS 1.3).
"""

from __future__ import annotations

import asyncio
import json
import sys

from aioquic.asyncio import connect, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.tls import CipherSuite


def config(cfg: dict, is_client: bool) -> QuicConfiguration:
    c = QuicConfiguration(
        is_client=is_client,
        alpn_protocols=cfg.get("alpn", ["h3"]),
        secrets_log_file=open(cfg["keylog"], "a"),  # noqa: SIM115 (lives as long as we do)
        idle_timeout=5.0,
    )
    if cfg.get("suites"):
        c.cipher_suites = [CipherSuite(s) for s in cfg["suites"]]
    if cfg.get("versions"):
        c.supported_versions = list(cfg["versions"])
    if is_client:
        c.load_verify_locations(cfg["cafile"])
        c.server_name = cfg.get("servername", "localhost")
    else:
        c.load_cert_chain(cfg["cert"], cfg["key"])
    return c


async def run_server(cfg: dict) -> None:
    await serve(cfg["host"], cfg["port"], configuration=config(cfg, False))
    print("server: listening", flush=True)
    await asyncio.Event().wait()


async def run_client(cfg: dict) -> int:
    try:
        async with connect(
            cfg["host"], cfg["port"], configuration=config(cfg, True), wait_connected=True
        ) as client:
            await client.ping()
            print("client: handshake ok", flush=True)
            return 0
    except Exception as exc:  # the failure is the point of most scenarios
        print("client:", type(exc).__name__, exc, file=sys.stderr, flush=True)
        return 1


def main() -> int:
    role, cfg = sys.argv[1], json.loads(sys.argv[2])
    if role == "server":
        asyncio.run(run_server(cfg))
        return 0
    return asyncio.run(asyncio.wait_for(run_client(cfg), 8))


if __name__ == "__main__":
    sys.exit(main())
