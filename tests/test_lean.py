"""What keeps memory and start-up small: equal hello values shared between sessions, finished
connections freed while the collector is off, no OpenSSL or logging for a plain TCP capture,
and the replacements for the modules left out giving the same answers."""

from __future__ import annotations

import gc
import hashlib
import os
import socket
import struct
import subprocess
import sys

import pytest
from conftest import CAPTURES

from tlstui.analysis import sessions as sessions_mod
from tlstui.analysis.engine import analyze
from tlstui.tls import fingerprint, messages
from tlstui.tls.messages import decode_client_hello
from tlstui.wire.packet import format_ip


def _ext(etype: int, body: bytes) -> bytes:
    return struct.pack(">HH", etype, len(body)) + body


def _hello(suites: list[int], key_share: bytes, sni: bytes = b"example.test") -> bytes:
    sni_body = struct.pack(">HBH", len(sni) + 3, 0, len(sni)) + sni
    groups = struct.pack(">H3H", 6, 29, 23, 24)
    share = struct.pack(">HHH", len(key_share) + 4, 29, len(key_share)) + key_share
    exts = _ext(0, sni_body) + _ext(10, groups) + _ext(51, share)
    cs = struct.pack(f">H{len(suites)}H", 2 * len(suites), *suites)
    return (
        struct.pack(">H", 0x0303)
        + bytes(32)
        + b"\x00"
        + cs
        + b"\x01\x00"
        + struct.pack(">H", len(exts))
        + exts
    )


def test_equal_hello_values_are_shared_and_fresh_ones_are_not() -> None:
    a = decode_client_hello(_hello([0x1301, 0xC02F, 0x009C], b"\x01" * 32), 0x0301)
    b = decode_client_hello(_hello([0x1301, 0xC02F, 0x009C], b"\x02" * 32), 0x0301)
    assert a.cipher_suites == [0x1301, 0xC02F, 0x009C]
    assert a.cipher_suites is b.cipher_suites
    assert a.supported_groups == [29, 23, 24] and a.supported_groups is b.supported_groups
    assert a.extensions[0] is b.extensions[0]  # the same SNI
    assert a.extensions[2] is not b.extensions[2]  # key shares differ on every connection
    assert a.extensions[2].data != b.extensions[2].data
    c = decode_client_hello(_hello([0x1301, 0xC02F], b"\x01" * 32), 0x0301)
    assert c.cipher_suites == [0x1301, 0xC02F] and c.cipher_suites is not a.cipher_suites


def test_the_sharing_tables_stay_bounded() -> None:
    for i in range(messages._INTERN_MAX + 50):
        decode_client_hello(_hello([0x1301, 0x0A00 + i % 0xF000], b"\x03" * 32), 0x0301)
    assert 0 < len(messages._lists) <= messages._INTERN_MAX
    assert len(messages._extensions) <= messages._INTERN_MAX


def test_finished_connections_are_freed_while_the_collector_is_off() -> None:
    """Builders and record readers refer to each other; with the cyclic collector off during
    a scan, only cutting that cycle frees them when their connection is finalised."""
    path = CAPTURES / "showcase.pcap"
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        report = analyze(path, keylog=False)
        builders = sum(type(o) is sessions_mod.SessionBuilder for o in gc.get_objects())
    finally:
        if was:
            gc.enable()
    assert len(report.sessions) > 5
    assert builders == 0


@pytest.mark.parametrize("size", [4, 16])
def test_format_ip_writes_what_inet_ntop_writes(size: int) -> None:
    family = socket.AF_INET if size == 4 else socket.AF_INET6
    samples = [bytes(size), b"\xff" * size, bytes(range(size))]
    samples += [os.urandom(size) for _ in range(500)]
    if size == 16:
        samples.append(bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 1]))  # IPv4-mapped
    for raw in samples:
        assert format_ip(raw) == socket.inet_ntop(family, raw)


def test_fingerprint_hashes_equal_hashlib() -> None:
    for text in (b"", b"771,4865-4866,0-10-11,29-23,0", "é".encode() * 100):
        assert fingerprint._md5(text).hexdigest() == hashlib.md5(text).hexdigest()
        assert fingerprint._sha256(text).hexdigest() == hashlib.sha256(text).hexdigest()


def test_json_of_a_tcp_capture_loads_no_openssl_logging_or_socket() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from tlstui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    rc = main([sys.argv[1], '--json', '--no-keylog'])\n"
        "print(rc, len(__import__('json').loads(out.getvalue())['sessions']))\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(CAPTURES / "tls12-no-shared-cipher.pcap")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    first, mods = p.stdout.splitlines()[:2]
    assert first == "0 1", p.stderr
    loaded = set(mods.split())
    assert {"_hashlib", "hmac", "logging", "socket", "cryptography"}.isdisjoint(loaded)
    assert "tlstui.tls.fingerprint" in loaded  # fingerprints were made, without hashlib
