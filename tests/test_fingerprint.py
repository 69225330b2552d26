"""JA3 and JA4, checked against values other tools computed for the same ClientHellos.

JA3 strings and hashes: tshark 4.0.17 (``tls.handshake.ja3_full`` / ``tls.handshake.ja3``).
JA4: Suricata's ja4-tls test (suricata-verify) and Arkime's expected outputs (arkime tests/pcap).
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import CORPUS, fixture_messages

from tlstui.tls.fingerprint import ja3, ja3_hash, ja4
from tlstui.tls.messages import decode_client_hello
from tlstui.tls.model import ClientHello, Extension


def hellos(name: str) -> list[ClientHello]:
    return [
        decode_client_hello(bytes.fromhex(m["body"]), int(m["record_version"], 16))
        for m in fixture_messages(name)
        if m["type"] == 1
    ]


TSHARK_JA3 = {
    "client_certificate": (
        "771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-"
        "47-53,0-23-65281-10-11-35-16-5-34-51-43-13-45-28-21,29-23-24-25-256-257,0",
        "579ccef312d18482fc42e2b822ca2430",
    ),
    "chrome_kyber": (
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
        "35-13-11-10-27-17513-51-16-43-23-65281-5-45-65037-18-0,25497-29-23-24,0",
        "9d33d8206d4fec4c8b1423c728f4cd3c",
    ),
    "hrr": (
        "771,4866-4867-4865-255,11-10-35-22-23-13-43-45-51,21-23-24,0-1-2",
        "0f14b679807628ec7f9c02cada3ee941",
    ),
    "many_extensions": (
        "769,49162-49172-136-135-57-56-49167-49157-132-53-49159-49161-49169-49171-69-68-102-51-"
        "50-49164-49166-49154-49156-150-65-4-5-47-49160-49170-22-19-49165-49155-65279-10,"
        "0-65281-10-11-35-13172,23-24-25,0",
        "62351d5ea3cd4f21f697965b10a9bbbe",
    ),
    "selfsign_ssl3": (
        "768,57-56-53-22-19-10-51-50-47-154-153-150-5-4-21-18-9-20-17-8-6-3-255,,,",
        "03e697d7655911e630ee3ee8e2a02ba4",
    ),
    "ja4_tls": (
        "771,49195-49199-158-49162-49161-49171-49172-49159-49169-51-50-57-156-47-53-10-5-4,"
        "65281-10-11-35-13172-16-30032-5-18-13,23-24-25,0",
        "308b0bd904abbef5e0034a1ff7a78920",
    ),
}


@pytest.mark.parametrize("name", sorted(TSHARK_JA3))
def test_ja3_matches_tshark(name: str) -> None:
    text, digest = TSHARK_JA3[name]
    for ch in hellos(name):
        assert ja3(ch) == text
        assert ja3_hash(ch) == digest


JA4_REFERENCE = {
    "ja4_tls": "t12i1810s1_27d4652c4487_06a4338d0495",  # suricata-verify ja4-tls
    "curl_tls13": "t13d0413h2_16476d049b0b_ffceb19bae65",  # arkime curl-enabled-tls13
    "tls10": "t10i460400_234845559c90_282f11336259",  # arkime openssl-tls1
}


@pytest.mark.parametrize("name", sorted(JA4_REFERENCE))
def test_ja4_matches_reference(name: str) -> None:
    assert ja4(hellos(name)[0]) == JA4_REFERENCE[name]


def test_ja4_shape_of_grease_heavy_hello() -> None:
    fp = ja4(hellos("chrome_kyber")[0])
    # 15 suites and 16 extensions once GREASE is gone; TLS 1.3 from supported_versions.
    assert fp.startswith("t13d1516h2_")
    assert ja4(hellos("chrome_kyber")[0], quic=True).startswith("q13d1516h2_")


def _hello(**kw) -> ClientHello:
    base = {
        "legacy_version": 0x0303,
        "record_version": 0x0301,
        "random": bytes(32),
        "session_id": b"",
        "cipher_suites": [0x1301],
        "compression_methods": [0],
        "extensions": [],
    }
    base.update(kw)
    return ClientHello(**base)


def _alpn_ext(*protos: bytes) -> Extension:
    inner = b"".join(bytes([len(p)]) + p for p in protos)
    return Extension(16, len(inner).to_bytes(2, "big") + inner)


def test_ja4_alpn_rules() -> None:
    def alpn_part(*protos: bytes) -> str:
        return ja4(_hello(extensions=[_alpn_ext(*protos)])).split("_")[0][-2:]

    assert alpn_part(b"h2", b"http/1.1") == "h2"
    assert alpn_part(b"http/1.1") == "h1"
    assert alpn_part(b"h") == "hh"
    assert alpn_part(b"\xab\xcd") == "ad"  # not alphanumeric: hex first/last
    assert alpn_part(b"h2\xff") == "6f"
    assert ja4(_hello()).split("_")[0][-2:] == "00"


def test_ja4_empty_and_capped() -> None:
    empty = _hello(cipher_suites=[], legacy_version=0x0300)
    assert ja4(empty) == "ts3i000000_000000000000_000000000000"
    many = _hello(
        cipher_suites=list(range(1, 150)), extensions=[Extension(t, b"") for t in range(100, 250)]
    )
    assert ja4(many).startswith("t12i9999")
    dtls = _hello(legacy_version=0xFEFD)
    assert ja4(dtls).startswith("dd2i")


def test_ja4_without_signature_algorithms_hashes_extensions_only() -> None:
    import hashlib

    ch = _hello(extensions=[Extension(0x000A, b""), Extension(0x0000, b""), Extension(0x000B, b"")])
    expect = hashlib.sha256(b"000a,000b").hexdigest()[:12]
    assert ja4(ch).endswith("_" + expect)
    assert ja4(ch).startswith("t12d0103")


@pytest.mark.corpus
@pytest.mark.tshark
def test_ja3_against_live_tshark() -> None:
    for name, pcap in [
        ("client_certificate", "zeek/tls/client-certificate.pcap"),
        ("chrome_kyber", "zeek/tls/chrome-1250-tls-x25519-kyber.pcap"),
    ]:
        out = subprocess.run(
            [
                "tshark",
                "-r",
                str(CORPUS / pcap),
                "-Y",
                "tls.handshake.type==1",
                "-T",
                "fields",
                "-e",
                "tls.handshake.ja3_full",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.split() == [ja3(ch) for ch in hellos(name)]
