"""QUIC v1 (RFC 9000/9001) and v2 (RFC 9369) long-header packets: parse, unprotect, frames.

QUIC carries the TLS 1.3 handshake in CRYPTO frames inside protected packets.  Initial packets
are protected with keys anyone can derive from the client's first Destination Connection ID
(RFC 9001 section 5.2), so the ClientHello and ServerHello are readable from any capture;
Handshake packets need the key log's ``*_HANDSHAKE_TRAFFIC_SECRET``.  This module is pure
parsing and crypto over bytes: no connection state beyond what a caller passes in.

Every parser here reads untrusted bytes: lengths are checked against the buffer before use, a
bad length returns ``None`` (or stops the frame walk) and never raises into the caller.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tlstui.tls.names import alert_name

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

# cryptography is imported where a packet is opened, so a capture without QUIC never loads it.

__all__ = [
    "QUIC_V1",
    "QUIC_V2",
    "CryptoStream",
    "Frames",
    "LongHeader",
    "PacketKeys",
    "decode_varint",
    "initial_keys",
    "is_quic_version",
    "packet_keys",
    "parse_frames",
    "parse_long_header",
    "unprotect",
    "version_hex",
]

QUIC_V1 = 0x00000001
QUIC_V2 = 0x6B3343CF

# Initial salts (RFC 9001 5.2, RFC 9369 3.3.1, drafts 23-28 and 29-32).
_SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
_SALT_V2 = bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")
_SALT_D29 = bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899")
_SALT_D23 = bytes.fromhex("c3eef712c72ebb5a11a7d2432bb46365bef9f502")

# Long header packet types by version (RFC 9369 3.2 swaps the v1 code points).
INITIAL, ZERO_RTT, HANDSHAKE, RETRY = "Initial", "0-RTT", "Handshake", "Retry"
_TYPES_V1 = (INITIAL, ZERO_RTT, HANDSHAKE, RETRY)
_TYPES_V2 = (RETRY, INITIAL, ZERO_RTT, HANDSHAKE)

MAX_CRYPTO_OFFSET = 1 << 20  # a CRYPTO frame beyond 1 MiB of handshake data is ignored
MAX_CRYPTO_BUFFER = 256 * 1024  # out-of-order CRYPTO bytes held per stream
MAX_FRAMES = 4096  # frames read from one packet


def is_quic_version(v: int) -> bool:
    """Versions whose Initial packets this module can open (v1, v2, IETF drafts 23-32)."""
    return v in (QUIC_V1, QUIC_V2) or 0xFF000017 <= v <= 0xFF000020


def version_hex(v: int) -> str:
    return f"0x{v:08x}"


def _salt(v: int) -> bytes | None:
    if v == QUIC_V1:
        return _SALT_V1
    if v == QUIC_V2:
        return _SALT_V2
    if 0xFF00001D <= v <= 0xFF000020:
        return _SALT_D29
    if 0xFF000017 <= v <= 0xFF00001C:
        return _SALT_D23
    return None


def decode_varint(buf: bytes, pos: int) -> tuple[int, int] | None:
    """RFC 9000 16: (value, next position), or None when the buffer ends first."""
    if pos >= len(buf):
        return None
    first = buf[pos]
    n = 1 << (first >> 6)
    if pos + n > len(buf):
        return None
    v = first & 0x3F
    for i in range(1, n):
        v = (v << 8) | buf[pos + i]
    return v, pos + n


def hkdf_expand_label(secret: bytes, label: str, length: int, hash_name: str = "sha256") -> bytes:
    """TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1) with an empty context."""
    import hmac  # here: hmac loads OpenSSL's libcrypto (~4 MB), which TCP-only captures never need

    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out = b""
    block = b""
    i = 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hash_name).digest()
        out += block
        i += 1
    return out[:length]


def _hkdf_extract(salt: bytes, ikm: bytes, hash_name: str = "sha256") -> bytes:
    import hmac

    return hmac.new(salt, ikm, hash_name).digest()


@dataclass(slots=True)
class PacketKeys:
    """One direction's packet protection: AEAD, IV and header-protection key."""

    key: bytes
    iv: bytes
    hp: bytes
    chacha: bool = False
    _aead: object = None

    def aead(self) -> AESGCM | ChaCha20Poly1305:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

        if self._aead is None:
            self._aead = ChaCha20Poly1305(self.key) if self.chacha else AESGCM(self.key)
        return self._aead  # type: ignore[return-value]

    def mask(self, sample: bytes) -> bytes:
        """RFC 9001 5.4.3/5.4.4: five bytes of header-protection mask from a 16-byte sample."""
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if self.chacha:
            enc = Cipher(algorithms.ChaCha20(self.hp, sample), mode=None).encryptor()
            return enc.update(b"\x00" * 5)
        enc = Cipher(algorithms.AES(self.hp), modes.ECB()).encryptor()
        return enc.update(sample)[:5]


def _labels(version: int) -> tuple[str, str, str]:
    if version == QUIC_V2:
        return "quicv2 key", "quicv2 iv", "quicv2 hp"
    return "quic key", "quic iv", "quic hp"


def packet_keys(secret: bytes, version: int, suite: int = 0x1301) -> PacketKeys | None:
    """Packet protection keys from a traffic secret (RFC 9001 5.1) for a TLS 1.3 suite."""
    if suite == 0x1301:
        klen, hname, chacha = 16, "sha256", False
    elif suite == 0x1302:
        klen, hname, chacha = 32, "sha384", False
    elif suite == 0x1303:
        klen, hname, chacha = 32, "sha256", True
    else:
        return None  # AES-CCM suites are not used by QUIC stacks in practice
    lk, li, lh = _labels(version)
    return PacketKeys(
        hkdf_expand_label(secret, lk, klen, hname),
        hkdf_expand_label(secret, li, 12, hname),
        hkdf_expand_label(secret, lh, klen, hname),
        chacha,
    )


def initial_secrets(dcid: bytes, version: int) -> tuple[bytes, bytes] | None:
    """(client, server) Initial secrets from the client's Destination Connection ID."""
    salt = _salt(version)
    if salt is None:
        return None
    initial = _hkdf_extract(salt, dcid)
    return (
        hkdf_expand_label(initial, "client in", 32),
        hkdf_expand_label(initial, "server in", 32),
    )


def initial_keys(dcid: bytes, version: int) -> tuple[PacketKeys, PacketKeys] | None:
    """(client, server) Initial packet keys (AES-128-GCM, SHA-256) for *dcid*."""
    sec = initial_secrets(dcid, version)
    if sec is None:
        return None
    c = packet_keys(sec[0], version)
    s = packet_keys(sec[1], version)
    assert c is not None and s is not None
    return c, s


@dataclass(slots=True)
class LongHeader:
    """A long-header packet's header fields; offsets index the datagram it came from."""

    ptype: str  # Initial, 0-RTT, Handshake, Retry, or "VersionNegotiation"
    version: int
    dcid: bytes
    scid: bytes
    token: bytes = b""
    pn_offset: int = 0  # start of the protected packet number
    end: int = 0  # end of this packet inside the datagram (coalesced packets follow)
    versions: tuple[int, ...] = ()  # Version Negotiation: the server's list


def parse_long_header(buf: bytes, pos: int = 0) -> LongHeader | None:
    """The long header at *pos*, or None when it is not one or its lengths do not fit."""
    n = len(buf)
    if pos + 7 > n or not buf[pos] & 0x80:
        return None
    first = buf[pos]
    version = int.from_bytes(buf[pos + 1 : pos + 5], "big")
    p = pos + 5
    dlen = buf[p]
    if dlen > 20 or p + 1 + dlen >= n:
        return None
    dcid = bytes(buf[p + 1 : p + 1 + dlen])
    p += 1 + dlen
    slen = buf[p]
    if slen > 20 or p + 1 + slen > n:
        return None
    scid = bytes(buf[p + 1 : p + 1 + slen])
    p += 1 + slen
    if version == 0:
        count = min((n - p) // 4, 64)
        vs = tuple(int.from_bytes(buf[p + 4 * i : p + 4 * i + 4], "big") for i in range(count))
        return LongHeader("VersionNegotiation", 0, dcid, scid, end=n, versions=vs)
    if not is_quic_version(version):
        return None
    bits = (first >> 4) & 3
    ptype = (_TYPES_V2 if version == QUIC_V2 else _TYPES_V1)[bits]
    if ptype == RETRY:
        if n - p < 16:
            return None
        return LongHeader(RETRY, version, dcid, scid, token=bytes(buf[p : n - 16]), end=n)
    token = b""
    if ptype == INITIAL:
        r = decode_varint(buf, p)
        if r is None or r[1] + r[0] > n:
            return None
        token = bytes(buf[r[1] : r[1] + r[0]])
        p = r[1] + r[0]
    r = decode_varint(buf, p)
    if r is None:
        return None
    length, p = r
    if length < 20 or p + length > n:
        # Too short for a packet number, sample and tag, or longer than the datagram.
        return None
    return LongHeader(ptype, version, dcid, scid, token, p, p + length)


def unprotect(
    buf: bytes, pos: int, pn_offset: int, end: int, keys: PacketKeys, largest: int = -1
) -> tuple[int, bytes] | None:
    """Remove header and packet protection (RFC 9001 5.3-5.4) of the packet at *pos*.

    Returns (full packet number, plaintext payload) or None when the tag does not verify
    (wrong keys, or a corrupt packet).  *largest* is the largest packet number already
    decoded in this space and direction, for packet-number recovery (RFC 9000 A.3).
    """
    if pn_offset + 4 + 16 > end or end > len(buf):
        return None
    sample = bytes(buf[pn_offset + 4 : pn_offset + 20])
    mask = keys.mask(sample)
    first = buf[pos]
    first ^= mask[0] & (0x0F if first & 0x80 else 0x1F)
    pn_len = (first & 3) + 1
    pn_bytes = bytes(
        b ^ m for b, m in zip(buf[pn_offset : pn_offset + pn_len], mask[1:], strict=False)
    )
    truncated = int.from_bytes(pn_bytes, "big")
    pn = _decode_pn(largest, truncated, pn_len * 8)
    header = bytes([first]) + bytes(buf[pos + 1 : pn_offset]) + pn_bytes
    nonce = (int.from_bytes(keys.iv, "big") ^ pn).to_bytes(12, "big")
    from cryptography.exceptions import InvalidTag

    try:
        plain = keys.aead().decrypt(nonce, bytes(buf[pn_offset + pn_len : end]), header)
    except (InvalidTag, ValueError, OverflowError):
        return None
    return pn, plain


def _decode_pn(largest: int, truncated: int, bits: int) -> int:
    """RFC 9000 A.3: the packet number closest to largest + 1 with these low bits."""
    expected = largest + 1
    win = 1 << bits
    hwin = win // 2
    candidate = (expected & ~(win - 1)) | truncated
    if candidate <= expected - hwin and candidate < (1 << 62) - win:
        return candidate + win
    if candidate > expected + hwin and candidate >= win:
        return candidate - win
    return candidate


def retry_integrity_ok(buf: bytes, odcid: bytes, version: int) -> bool:
    """RFC 9001 5.8 / RFC 9369 3.3.3: the Retry tag computed over the original DCID."""
    if version == QUIC_V2:
        key = bytes.fromhex("8fb4b01b56ac48e260fbcbcead7ccc92")
        nonce = bytes.fromhex("d86969bc2d7c6d9990efb04a")
    elif version == QUIC_V1:
        key = bytes.fromhex("be0c690b9f66575a1d766b54e368c84e")
        nonce = bytes.fromhex("461599d35d632bf2239825bb")
    else:
        return False
    if len(buf) < 16:
        return False
    pseudo = bytes([len(odcid)]) + odcid + bytes(buf[:-16])
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        AESGCM(key).decrypt(nonce, bytes(buf[-16:]), pseudo)
    except InvalidTag:
        return False
    return True


_TRANSPORT_ERRORS = {
    0x0: "NO_ERROR",
    0x1: "INTERNAL_ERROR",
    0x2: "CONNECTION_REFUSED",
    0x3: "FLOW_CONTROL_ERROR",
    0x4: "STREAM_LIMIT_ERROR",
    0x5: "STREAM_STATE_ERROR",
    0x6: "FINAL_SIZE_ERROR",
    0x7: "FRAME_ENCODING_ERROR",
    0x8: "TRANSPORT_PARAMETER_ERROR",
    0x9: "CONNECTION_ID_LIMIT_ERROR",
    0xA: "PROTOCOL_VIOLATION",
    0xB: "INVALID_TOKEN",
    0xC: "APPLICATION_ERROR",
    0xD: "CRYPTO_BUFFER_EXCEEDED",
    0xE: "KEY_UPDATE_ERROR",
    0xF: "AEAD_LIMIT_REACHED",
    0x10: "NO_VIABLE_PATH",
    0x11: "VERSION_NEGOTIATION_ERROR",
}


def transport_error_name(code: int) -> str:
    if 0x100 <= code <= 0x1FF:
        return f"CRYPTO_ERROR({alert_name(code - 0x100)})"
    return _TRANSPORT_ERRORS.get(code, f"0x{code:x}")


@dataclass(slots=True)
class Close:
    """A CONNECTION_CLOSE frame (RFC 9000 19.19)."""

    frame_kind: int  # 0x1c transport, 0x1d application
    error_code: int
    frame_type: int | None  # the frame that caused it (transport close only)
    reason: bytes

    @property
    def tls_alert(self) -> int | None:
        """CRYPTO_ERROR (0x0100-0x01ff) carries a TLS alert code (RFC 9001 4.8)."""
        if self.frame_kind == 0x1C and 0x100 <= self.error_code <= 0x1FF:
            return self.error_code - 0x100
        return None


@dataclass(slots=True)
class Frames:
    """What one packet's payload holds, as far as the handshake is concerned."""

    crypto: list[tuple[int, bytes]] = field(default_factory=list)  # (offset, data)
    close: Close | None = None
    ack_eliciting: bool = False
    handshake_done: bool = False
    error: str | None = None  # why the walk stopped early


def parse_frames(payload: bytes, short: bool = False) -> Frames:
    """Walk the frames of a decrypted packet; stop (with ``error``) at anything malformed.

    *short*: a 1-RTT packet, whose other frames (streams, flow control...) are skipped by
    their lengths so a CONNECTION_CLOSE after them is still found."""
    out = Frames()
    p = 0
    n = len(payload)
    count = 0
    while p < n and count < MAX_FRAMES:
        count += 1
        ft = payload[p]
        if ft == 0:  # PADDING: skip the run
            while p < n and payload[p] == 0:
                p += 1
            continue
        r = decode_varint(payload, p)
        if r is None:
            out.error = "truncated frame type"
            return out
        ft, p = r
        if ft == 0x01:  # PING
            out.ack_eliciting = True
        elif ft in (0x02, 0x03):  # ACK
            q = _skip_ack(payload, p, ft == 0x03)
            if q is None:
                out.error = "malformed ACK frame"
                return out
            p = q
        elif ft == 0x06:  # CRYPTO
            r1 = decode_varint(payload, p)
            r2 = decode_varint(payload, r1[1]) if r1 else None
            if r1 is None or r2 is None or r2[1] + r2[0] > n:
                out.error = "malformed CRYPTO frame"
                return out
            out.crypto.append((r1[0], bytes(payload[r2[1] : r2[1] + r2[0]])))
            out.ack_eliciting = True
            p = r2[1] + r2[0]
        elif ft in (0x1C, 0x1D):  # CONNECTION_CLOSE
            r1 = decode_varint(payload, p)
            if r1 is None:
                out.error = "malformed CONNECTION_CLOSE frame"
                return out
            code, p = r1
            ftype = None
            if ft == 0x1C:
                r2 = decode_varint(payload, p)
                if r2 is None:
                    out.error = "malformed CONNECTION_CLOSE frame"
                    return out
                ftype, p = r2
            r3 = decode_varint(payload, p)
            if r3 is None or r3[1] + r3[0] > n:
                out.error = "malformed CONNECTION_CLOSE frame"
                return out
            out.close = Close(ft, code, ftype, bytes(payload[r3[1] : r3[1] + r3[0]]))
            p = r3[1] + r3[0]
        elif ft == 0x1E:  # HANDSHAKE_DONE
            out.handshake_done = True
            out.ack_eliciting = True
        elif ft == 0x07:  # NEW_TOKEN
            r1 = decode_varint(payload, p)
            if r1 is None or r1[1] + r1[0] > n:
                out.error = "malformed NEW_TOKEN frame"
                return out
            p = r1[1] + r1[0]
        else:
            q = _skip_frame(payload, p, ft) if short else None
            if q is None:
                # Other frames do not occur in Initial/Handshake packets (RFC 9000 12.4).
                out.error = f"frame type 0x{ft:x} not read"
                return out
            p = q
    return out


# 1-RTT frame types made of a fixed number of varints (RFC 9000 19).
_VARINT_FRAMES = {
    0x04: 3,  # RESET_STREAM
    0x05: 2,  # STOP_SENDING
    0x10: 1,  # MAX_DATA
    0x11: 2,  # MAX_STREAM_DATA
    0x12: 1,
    0x13: 1,  # MAX_STREAMS
    0x14: 1,  # DATA_BLOCKED
    0x15: 2,  # STREAM_DATA_BLOCKED
    0x16: 1,
    0x17: 1,  # STREAMS_BLOCKED
    0x19: 1,  # RETIRE_CONNECTION_ID
}


def _skip_frame(buf: bytes, p: int, ft: int) -> int | None:
    """Position after a 1-RTT frame of type *ft* whose body starts at *p*, or None."""
    n = _VARINT_FRAMES.get(ft)
    if n is not None:
        for _ in range(n):
            r = decode_varint(buf, p)
            if r is None:
                return None
            p = r[1]
        return p
    if 0x08 <= ft <= 0x0F:  # STREAM: id, [offset], [length], data
        r = decode_varint(buf, p)
        if r is None:
            return None
        p = r[1]
        if ft & 0x04:
            r = decode_varint(buf, p)
            if r is None:
                return None
            p = r[1]
        if not ft & 0x02:
            return len(buf)  # data runs to the end of the packet
        r = decode_varint(buf, p)
        if r is None or r[1] + r[0] > len(buf):
            return None
        return r[1] + r[0]
    if ft == 0x18:  # NEW_CONNECTION_ID: seq, retire, len(1), cid, 16-byte token
        for _ in range(2):
            r = decode_varint(buf, p)
            if r is None:
                return None
            p = r[1]
        if p >= len(buf):
            return None
        p += 1 + buf[p] + 16
        return p if p <= len(buf) else None
    if ft in (0x1A, 0x1B):  # PATH_CHALLENGE / PATH_RESPONSE
        return p + 8 if p + 8 <= len(buf) else None
    if ft in (0x30, 0x31):  # DATAGRAM
        if ft == 0x30:
            return len(buf)
        r = decode_varint(buf, p)
        if r is None or r[1] + r[0] > len(buf):
            return None
        return r[1] + r[0]
    return None


def _skip_ack(buf: bytes, p: int, ecn: bool) -> int | None:
    vals = []
    for _ in range(4):  # largest, delay, range count, first range
        r = decode_varint(buf, p)
        if r is None:
            return None
        vals.append(r[0])
        p = r[1]
    ranges = vals[2]
    if ranges > len(buf):
        return None
    for _ in range(2 * ranges + (3 if ecn else 0)):
        r = decode_varint(buf, p)
        if r is None:
            return None
        p = r[1]
    return p


class CryptoStream:
    """One direction's CRYPTO stream in one packet-number space, reassembled in order.

    Frames arrive out of order, repeat (retransmission) and overlap; bytes are delivered to
    ``messages`` exactly once, in stream order.  Offsets beyond ``MAX_CRYPTO_OFFSET`` and
    more than ``MAX_CRYPTO_BUFFER`` bytes of held-back data are dropped (noted in ``dropped``).
    """

    __slots__ = ("delivered", "pending", "held", "buf", "dropped", "first_frame")

    def __init__(self) -> None:
        self.delivered = 0  # stream offset up to which bytes were passed on
        self.pending: dict[int, bytes] = {}  # offset -> data beyond ``delivered``
        self.held = 0
        self.buf = b""  # delivered bytes not yet forming a whole handshake message
        self.dropped = 0
        self.first_frame = 0  # frame of the first byte of the message being built

    def add(self, offset: int, data: bytes, frame: int) -> list[tuple[int, bytes, int]]:
        """Add one frame's data; return the handshake messages it completes as
        (type, body, first frame)."""
        end = offset + len(data)
        if end > MAX_CRYPTO_OFFSET:
            self.dropped += len(data)
            return []
        if end <= self.delivered or not data:
            return []  # a retransmission of bytes already delivered
        if offset > self.delivered:
            old = self.pending.get(offset)
            if old is None or len(old) < len(data):
                if self.held + len(data) > MAX_CRYPTO_BUFFER:
                    self.dropped += len(data)
                    return []
                self.held += len(data) - (len(old) if old else 0)
                self.pending[offset] = data
            return []
        self._take(data[self.delivered - offset :], frame)
        while self.pending:
            nxt = min(self.pending)
            if nxt > self.delivered:
                break
            chunk = self.pending.pop(nxt)
            self.held -= len(chunk)
            if nxt + len(chunk) > self.delivered:
                self._take(chunk[self.delivered - nxt :], frame)
        return self._messages()

    def _take(self, data: bytes, frame: int) -> None:
        if not self.buf:
            self.first_frame = frame
        self.buf += data
        self.delivered += len(data)

    def _messages(self) -> list[tuple[int, bytes, int]]:
        out = []
        buf = self.buf
        p = 0
        while len(buf) - p >= 4:
            mlen = int.from_bytes(buf[p + 1 : p + 4], "big")
            if len(buf) - p - 4 < mlen:
                break
            out.append((buf[p], buf[p + 4 : p + 4 + mlen], self.first_frame))
            p += 4 + mlen
        self.buf = buf[p:]
        return out

    @property
    def waiting(self) -> bool:
        """Bytes of an unfinished message, or data held back for a hole."""
        return bool(self.buf) or bool(self.pending)


def client_random(client_hello_body: bytes) -> bytes | None:
    """The 32-byte random of a ClientHello body (for the key-log look-up)."""
    if len(client_hello_body) < 34:
        return None
    return bytes(client_hello_body[2:34])
