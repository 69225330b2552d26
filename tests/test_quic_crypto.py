"""Known-answer tests of QUIC Initial keys and packet protection (RFC 9001 and RFC 9369
Appendix A), and the CRYPTO-stream reassembly and frame parsing built on them."""

from __future__ import annotations

from tlstui.tls import quic

DCID = bytes.fromhex("8394c8f03e515708")
# RFC 9001 A.3 / RFC 9369 A.3: the server's Initial carrying a ServerHello, packet number 1.
SERVER_PAYLOAD = bytes.fromhex(
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf73988cfc79825df566dc5430b"
    "9a045a1200130100002e00330024001d00209d3c940d89690b84d08a60993c144eca684d1081287c834d53"
    "11bcf32bb9da1a002b00020304"
)
V1_SERVER_PACKET = bytes.fromhex(
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a5816b6394100f37a1c6979"
    "7554780bb38cc5a99f5ede4cf73c3ec2493a1839b3dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f"
    "3bded74b562bfb19fb84022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc421"
    "58407dd074ee"
)
V2_SERVER_PACKET = bytes.fromhex(
    "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698baeea26b91eb761d9b8923"
    "7bbf87263017915358230035f7fd3945d88965cf17f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a"
    "393e42757507698075b2c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca84b"
    "ed8521e2e140"
)
V1_RETRY = bytes.fromhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba")
V2_RETRY = bytes.fromhex("cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6")


def test_v1_initial_secrets_and_keys_rfc9001_a1() -> None:
    cs, ss = quic.initial_secrets(DCID, quic.QUIC_V1) or (b"", b"")
    assert cs.hex() == "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea"
    assert ss.hex() == "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b"
    c, s = quic.initial_keys(DCID, quic.QUIC_V1) or (None, None)
    assert c is not None and s is not None
    assert (c.key.hex(), c.iv.hex(), c.hp.hex()) == (
        "1f369613dd76d5467730efcbe3b1a22d",
        "fa044b2f42a3fd3b46fb255c",
        "9f50449e04a0e810283a1e9933adedd2",
    )
    assert (s.key.hex(), s.iv.hex(), s.hp.hex()) == (
        "cf3a5331653c364c88f0f379b6067e37",
        "0ac1493ca1905853b0bba03e",
        "c206b8d9b9f0f37644430b490eeaa314",
    )


def test_v2_initial_keys_rfc9369_a1() -> None:
    c, s = quic.initial_keys(DCID, quic.QUIC_V2) or (None, None)
    assert c is not None and s is not None
    assert (c.key.hex(), c.iv.hex(), c.hp.hex()) == (
        "8b1a0bc121284290a29e0971b5cd045d",
        "91f73e2351d8fa91660e909f",
        "45b95e15235d6f45a6b19cbcb0294ba9",
    )
    assert (s.key.hex(), s.iv.hex(), s.hp.hex()) == (
        "82db637861d55e1d011f19ea71d5d2a7",
        "dd13c276499c0249d3310652",
        "edf6d05c83121201b436e16877593c3a",
    )


def _open_server_initial(packet: bytes, version: int) -> tuple[int, bytes]:
    hdr = quic.parse_long_header(packet)
    assert hdr is not None
    assert hdr.ptype == "Initial" and hdr.version == version
    assert hdr.dcid == b"" and hdr.scid.hex() == "f067a5502a4262b5"
    assert hdr.end == len(packet)
    keys = quic.initial_keys(DCID, version)
    assert keys is not None
    r = quic.unprotect(packet, 0, hdr.pn_offset, hdr.end, keys[1])
    assert r is not None
    return r


def test_v1_server_initial_unprotects_rfc9001_a3() -> None:
    pn, plain = _open_server_initial(V1_SERVER_PACKET, quic.QUIC_V1)
    assert pn == 1
    assert plain == SERVER_PAYLOAD


def test_v2_server_initial_unprotects_rfc9369_a3() -> None:
    pn, plain = _open_server_initial(V2_SERVER_PACKET, quic.QUIC_V2)
    assert pn == 1
    assert plain == SERVER_PAYLOAD


def test_wrong_keys_or_flipped_bit_do_not_open() -> None:
    hdr = quic.parse_long_header(V1_SERVER_PACKET)
    assert hdr is not None
    keys = quic.initial_keys(DCID, quic.QUIC_V1)
    assert keys is not None
    # The client's keys are not the server's.
    assert quic.unprotect(V1_SERVER_PACKET, 0, hdr.pn_offset, hdr.end, keys[0]) is None
    bad = bytearray(V1_SERVER_PACKET)
    bad[-1] ^= 1
    assert quic.unprotect(bytes(bad), 0, hdr.pn_offset, hdr.end, keys[1]) is None


def test_server_hello_frames_of_a3() -> None:
    frames = quic.parse_frames(SERVER_PAYLOAD)
    assert frames.error is None
    assert len(frames.crypto) == 1
    off, data = frames.crypto[0]
    assert off == 0 and len(data) == 90 and data[0] == 2  # a ServerHello
    stream = quic.CryptoStream()
    msgs = stream.add(off, data, 7)
    assert [(t, len(b), f) for t, b, f in msgs] == [(2, 86, 7)]


def test_retry_integrity_tags_rfc9001_a4_rfc9369_a4() -> None:
    for packet, version in ((V1_RETRY, quic.QUIC_V1), (V2_RETRY, quic.QUIC_V2)):
        hdr = quic.parse_long_header(packet)
        assert hdr is not None and hdr.ptype == "Retry" and hdr.version == version
        assert hdr.token == b"token"
        assert quic.retry_integrity_ok(packet, DCID, version)
        assert not quic.retry_integrity_ok(packet, DCID[:-1] + b"\x00", version)


def test_chacha20_short_header_rfc9001_a5() -> None:
    secret = bytes.fromhex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b")
    keys = quic.packet_keys(secret, quic.QUIC_V1, 0x1303)
    assert keys is not None
    assert keys.key.hex() == "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8"
    assert keys.iv.hex() == "e0459b3474bdd0e44a41c144"
    assert keys.hp.hex() == "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"
    packet = bytes.fromhex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb")
    r = quic.unprotect(packet, 0, 1, len(packet), keys, largest=654360563)
    assert r == (654360564, b"\x01")


def test_crypto_stream_out_of_order_overlap_and_bounds() -> None:
    msg = bytes([1, 0, 0, 10]) + bytes(range(10))  # a 14-byte ClientHello-typed message
    s = quic.CryptoStream()
    assert s.add(8, msg[8:], 3) == []  # tail first: held back
    assert s.waiting
    assert s.add(0, msg[:5], 4) == []  # head, still a hole at 5..8
    out = s.add(3, msg[3:10], 5)  # overlaps both
    assert out == [(1, bytes(range(10)), 4)]
    assert not s.waiting
    assert s.add(0, msg, 6) == []  # a retransmission is delivered once only
    assert s.add(quic.MAX_CRYPTO_OFFSET, b"x", 7) == []
    assert s.dropped == 1


def test_connection_close_carries_tls_alert() -> None:
    # CONNECTION_CLOSE (0x1c), error 0x0178 (CRYPTO_ERROR + no_application_protocol),
    # frame type 6 (CRYPTO), reason "no alpn".
    payload = bytes([0x1C, 0x41, 0x78, 0x06, 0x07]) + b"no alpn" + b"\x00" * 4
    frames = quic.parse_frames(payload)
    assert frames.close is not None
    assert frames.close.error_code == 0x178
    assert frames.close.tls_alert == 120
    assert frames.close.frame_type == 6
    assert frames.close.reason == b"no alpn"
    app = quic.parse_frames(bytes([0x1D, 0x41, 0x78, 0x00]))
    assert app.close is not None and app.close.tls_alert is None


def test_varint_rfc9000_a1() -> None:
    assert quic.decode_varint(bytes.fromhex("c2197c5eff14e88c"), 0) == (151288809941952652, 8)
    assert quic.decode_varint(bytes.fromhex("9d7f3e7d"), 0) == (494878333, 4)
    assert quic.decode_varint(bytes.fromhex("7bbd"), 0) == (15293, 2)
    assert quic.decode_varint(bytes.fromhex("25"), 0) == (37, 1)
    assert quic.decode_varint(bytes.fromhex("7b"), 0) is None


def test_version_negotiation_header() -> None:
    vn = (
        bytes([0x80, 0, 0, 0, 0, 4])
        + b"\x01\x02\x03\x04"
        + b"\x04abcd"
        + bytes.fromhex("000000016b3343cf")
    )
    hdr = quic.parse_long_header(vn)
    assert hdr is not None and hdr.ptype == "VersionNegotiation"
    assert hdr.versions == (quic.QUIC_V1, quic.QUIC_V2)
    assert hdr.scid == b"abcd"
