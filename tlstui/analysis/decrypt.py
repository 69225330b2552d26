"""Key-log decryption: turn a session's opaque records into the alerts and messages they hold.

In TLS 1.3 every alert after the ServerHello is encrypted, so without keys tlstui can only call a
19-byte record "likely an alert".  With the SSLKEYLOGFILE the client or server wrote (NSS key
log format, RFC 9850) the records ``SessionBuilder`` kept in ``sealed`` are opened here, before
``finish()`` decides the outcome, and the ladder gets the real alert codes and handshake messages.

Nothing in here may raise into the pipeline: a wrong key, a truncated record or a cipher we do
not implement leaves the records as they were.  Work is bounded by the builder's own caps
(``MAX_SEALED`` records per direction, ``KEEP_BODY``) and by the tries per record below.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from tlstui.analysis.model import Alert, Event
from tlstui.tls import messages as msgs
from tlstui.tls import names
from tlstui.tls.model import AlertMsg, CertificateMsg

__all__ = ["MAX_LINES", "KeyLog", "decrypt_session"]

MAX_LINES = 1_000_000  # key log lines read; a bigger file is cut, not refused
MAX_HS_BUFFER = 256 * 1024  # decrypted handshake bytes waiting for a message's end
MAX_FAILS = 8  # consecutive records a direction may fail before we give up
MAX_SEQ_GUESS = 8  # skipped records a key change may hide (seq numbers tried)
MAX_NOTES = 50
MAX_EVENTS = 2500  # ladder rows per session, decrypted messages included
SIDES = ("client", "server")

_LINE = re.compile(r"^([A-Z][A-Z0-9_]{2,63})\s+([0-9A-Fa-f]{64})\s+([0-9A-Fa-f]{16,256})\s*$")

# Handshake message type -> ladder event type.
_HS_EVENT = {
    0: "HelloRequest",
    1: "ClientHello",
    2: "ServerHello",
    4: "NewSessionTicket",
    5: "EndOfEarlyData",
    8: "EncryptedExtensions",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    20: "Finished",
    22: "CertificateStatus",
    24: "KeyUpdate",
    25: "CompressedCertificate",
}


# --- the key log ------------------------------------------------------------------------------


class KeyLog:
    """Secrets from an NSS key log, by client_random (``CLIENT_RANDOM``, ``*_TRAFFIC_SECRET_*``)."""

    def __init__(self) -> None:
        self._by_random: dict[bytes, dict[str, bytes]] = {}
        # TLS <= 1.2 resumption: session ID or ticket -> master secret of the full handshake
        # that issued it, so a resumed session decrypts with that handshake's key log line
        # (as Wireshark does).  Filled as sessions are decrypted, in capture order.
        self._by_session: dict[bytes, bytes] = {}

    def remember_session(self, session, master: bytes) -> None:
        """Record the session ID and tickets *session* issued, for later resumptions."""
        if len(self._by_session) >= 100_000:
            return
        sh = session.server_hello
        if sh is not None and sh.session_id:
            self._by_session[b"id:" + bytes(sh.session_id)] = master
        for ev in session.events:
            d = ev.detail
            if ev.type == "NewSessionTicket" and getattr(d, "ticket", b""):
                self._by_session[b"tk:" + d.ticket] = master

    def resumed_master(self, session) -> bytes | None:
        """The master secret of the full handshake *session* resumes, if it was seen."""
        ch = session.client_hellos[0] if session.client_hellos else None
        sh = session.server_hello
        if ch is None or sh is None:
            return None
        if ch.session_ticket:
            m = self._by_session.get(b"tk:" + bytes(ch.session_ticket))
            if m is not None:
                return m
        if sh.session_id and sh.session_id == ch.session_id:
            return self._by_session.get(b"id:" + bytes(sh.session_id))
        return None

    @classmethod
    def parse(cls, lines: Iterable[str]) -> KeyLog:
        """Read key log lines; comments, ``RSA`` lines (they need the premaster's private key)
        and garbage are skipped, not errors."""
        log = cls()
        for n, line in enumerate(lines):
            if n >= MAX_LINES:
                break
            if not isinstance(line, str) or len(line) > 600:
                continue
            m = _LINE.match(line.strip())
            if m is None:
                continue
            label, rand, secret = m.groups()
            if len(secret) % 2:
                continue
            entry = log._by_random.setdefault(bytes.fromhex(rand), {})
            entry[label] = bytes.fromhex(secret)
        return log

    def secrets(self, client_random: bytes) -> dict[str, bytes]:
        return dict(self._by_random.get(bytes(client_random), {}))

    def __len__(self) -> int:
        return len(self._by_random)


# --- shared plumbing --------------------------------------------------------------------------


@dataclass(slots=True)
class _Plain:
    """One opened record: the sealed record it came from and its inner type and content."""

    rec: object
    ctype: int
    data: bytes
    after_gap: bool = False  # records before it were lost or unreadable


@dataclass(slots=True)
class _HsBuffer:
    """Handshake bytes of one direction that may continue in the next record."""

    data: bytearray = field(default_factory=bytearray)
    first_frame: int = 0
    pending: list = field(default_factory=list)  # fragment records' placeholder events


def decrypt_session(builder, keys: KeyLog) -> None:
    """Open the builder's sealed records with the key log's secrets; never raises."""
    try:
        _decrypt(builder, keys)
    except Exception as exc:
        _note(builder, f"key log decryption stopped: {type(exc).__name__}")


def _decrypt(builder, keys: KeyLog) -> None:
    s = builder.s
    if not s.client_hellos or s.server_hello is None or keys is None:
        return
    if not any(builder.sealed):
        return
    secrets = keys.secrets(s.client_hellos[0].random)
    if not secrets and not builder.tls13 and keys.resumed_master(s) is not None:
        secrets = {"CLIENT_RANDOM": b""}  # _keys12 finds the resumed handshake's master
    if not secrets:
        _note(
            builder,
            "key log has no secrets for this session's client_random (records stay encrypted)",
        )
        return
    if builder.tls13:
        plains, tried = _tls13(builder, secrets)
    else:
        plains, tried = _tls12(builder, keys)
    if not tried:
        return
    if not any(plains):
        _note(builder, "key log has secrets for this session but they do not decrypt its records")
        return
    for side in (0, 1):
        _apply(builder, side, plains[side])
    builder.decrypted = _outcome_known(builder, plains)


def _outcome_known(builder, plains: list[list[_Plain]]) -> bool:
    """May ``finish()`` judge the handshake from what we decrypted instead of by position?

    Yes when an alert was opened, or (TLS 1.3) when both sides' Finished were seen.  When only
    part is known (one side's secrets missing, a Finished inside a record the capture lost),
    the position rules stay in charge: a success must not turn into "failed" for want of keys.
    """
    if any(p.ctype == 21 for side in plains for p in side):
        return True
    return not builder.tls13 or (builder.finished[0] and builder.finished[1])


def _note(builder, text: str) -> None:
    notes = builder.s.malformed
    if len(notes) < MAX_NOTES and text not in notes:
        notes.append(text)


# --- TLS 1.3 ----------------------------------------------------------------------------------

# suite -> (hash, key length, AEAD factory)
_TLS13_SUITES: dict[int, tuple[str, int, Callable[[bytes], object]]] = {
    0x1301: ("sha256", 16, AESGCM),
    0x1302: ("sha384", 32, AESGCM),
    0x1303: ("sha256", 32, ChaCha20Poly1305),
    0x1304: ("sha256", 16, lambda k: AESCCM(k, 16)),
    0x1305: ("sha256", 16, lambda k: AESCCM(k, 8)),
}
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}

EARLY, HANDSHAKE, APP = 0, 1, 2  # key stages of a direction; APP + n is generation n


def hkdf_expand_label(
    secret: bytes, label: str, context: bytes, length: int, hash_name: str
) -> bytes:
    """RFC 8446 7.1 HKDF-Expand-Label."""
    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + bytes([len(context)]) + context
    return HKDFExpand(_HASHES[hash_name](), length, info).derive(secret)


class _Keys13:
    """Per-direction TLS 1.3 traffic keys by stage, application generations made on demand."""

    def __init__(self, suite: int, secrets: dict[str, bytes], side: int) -> None:
        self.hash, self.key_len, self.factory = _TLS13_SUITES[suite]
        who = SIDES[side].upper()
        self.secrets: dict[int, bytes] = {}
        for stage, label in (
            (EARLY, "CLIENT_EARLY_TRAFFIC_SECRET" if side == 0 else ""),
            (HANDSHAKE, f"{who}_HANDSHAKE_TRAFFIC_SECRET"),
            (APP, f"{who}_TRAFFIC_SECRET_0"),
        ):
            if label and label in secrets:
                self.secrets[stage] = secrets[label]
        self._cache: dict[int, tuple[object, bytes] | None] = {}

    def first_stage(self) -> int:
        return min(self.secrets, default=HANDSHAKE)

    def get(self, stage: int) -> tuple[object, bytes] | None:
        if stage not in self._cache:
            self._cache[stage] = self._make(stage)
        return self._cache[stage]

    def _make(self, stage: int) -> tuple[object, bytes] | None:
        secret = self.secrets.get(stage)
        if secret is None and stage > APP and stage - APP <= 64:
            if stage - 1 not in self.secrets:
                self.get(stage - 1)
            prev = self.secrets.get(stage - 1)
            if prev is not None:
                hlen = _HASHES[self.hash].digest_size
                secret = hkdf_expand_label(prev, "traffic upd", b"", hlen, self.hash)
                self.secrets[stage] = secret
        if secret is None:
            return None
        key = hkdf_expand_label(secret, "key", b"", self.key_len, self.hash)
        iv = hkdf_expand_label(secret, "iv", b"", 12, self.hash)
        return self.factory(key), iv


def _open13(keys: tuple[object, bytes], seq: int, rec, aad: bytes | None) -> bytes | None:
    aead, iv = keys
    nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big"), strict=True))
    header = aad if aad is not None else bytes([23, 3, 3]) + len(rec.body).to_bytes(2, "big")
    try:
        return aead.decrypt(nonce, bytes(rec.body), header)  # type: ignore[attr-defined]
    except (InvalidTag, ValueError, OverflowError):
        return None


def _tls13(builder, secrets: dict[str, bytes]) -> tuple[list[list[_Plain]], bool]:
    suite = builder.s.cipher_suite
    if suite not in _TLS13_SUITES:
        _note(
            builder, f"key log: cannot decrypt cipher suite {names.cipher_suite_name(suite or 0)}"
        )
        return [[], []], False
    version = builder.s.version or 0x0304
    # Drafts before 25 authenticated no record header (draft-ietf-tls-tls13-25 5.2).
    aad = b"" if 0x7F00 <= version < 0x7F19 else None
    out: list[list[_Plain]] = [[], []]
    tried = False
    for side in (0, 1):
        keys = _Keys13(suite, secrets, side)
        if not keys.secrets:
            continue
        tried = True
        out[side] = _tls13_side(builder, side, keys, aad)
    return out, tried


def _tls13_side(builder, side: int, keys: _Keys13, aad: bytes | None) -> list[_Plain]:
    """Walk one direction's records, following key changes (Finished, KeyUpdate)."""
    stage, seq, skipped, fails = keys.first_stage(), 0, 0, 0
    ever = False
    plains: list[_Plain] = []
    hs_parser = _InnerHandshake()
    next_index = None
    for rec in builder.sealed[side]:
        # Records the builder did not keep (past its cap) still used sequence numbers.
        missing = rec.index - next_index if next_index is not None else 0
        seq, skipped, next_index = seq + max(missing, 0), skipped + max(missing, 0), rec.index + 1
        if rec.rtype != 23:
            continue  # not protected: uses no sequence number
        if not rec.body:
            seq, skipped = seq + 1, skipped + 1
            continue
        got = _try13(keys, rec, stage, seq, skipped, aad)
        if got is None:
            seq, skipped, fails = seq + 1, skipped + 1, fails + 1
            if (not ever and fails >= MAX_FAILS) or fails >= 2 * MAX_FAILS:
                break
            continue
        stage, used_seq, inner = got
        gap = skipped > 0 or used_seq != seq
        seq, skipped, fails, ever = used_seq + 1, 0, 0, True
        if stage >= APP:
            builder.finished[side] = True  # application keys only follow a Finished
        ctype, data = _unpad(inner)
        if ctype is None:
            continue
        plains.append(_Plain(rec, ctype, data, gap))
        if ctype == 22:
            nxt = hs_parser.key_change(data, stage, gap)
            if nxt is not None:
                stage, seq = nxt, 0
                if stage == APP:
                    builder.finished[side] = True
    return plains


def _try13(
    keys: _Keys13, rec, stage: int, seq: int, skipped: int, aad: bytes | None
) -> tuple[int, int, bytes] | None:
    """Open with the expected key, else a later stage (a change hidden in skipped records)."""
    cur = keys.get(stage)
    if cur is not None:
        inner = _open13(cur, seq, rec, aad)
        if inner is not None:
            return stage, seq, inner
    guesses = min(skipped, MAX_SEQ_GUESS)
    for nxt in (stage + 1, stage + 2):
        k = keys.get(nxt)
        if k is None:
            continue
        for s in range(guesses + 1):
            inner = _open13(k, s, rec, aad)
            if inner is not None:
                return nxt, s, inner
    if cur is not None:  # same key, records lost before this one
        for s in range(seq + 1, seq + 1 + MAX_SEQ_GUESS):
            inner = _open13(cur, s, rec, aad)
            if inner is not None:
                return stage, s, inner
    return None


def _unpad(inner: bytes) -> tuple[int | None, bytes]:
    """RFC 8446 5.4: drop the zero padding; the last non-zero byte is the content type."""
    end = len(inner.rstrip(b"\0"))
    if end == 0:
        return None, b""
    return inner[end - 1], inner[: end - 1]


class _InnerHandshake:
    """Finds the messages that change a TLS 1.3 direction's keys, across record boundaries."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def key_change(self, data: bytes, stage: int, gap: bool) -> int | None:
        if gap:
            self.buf.clear()  # a lost record: restart at this record
        self.buf += data
        if len(self.buf) > MAX_HS_BUFFER:
            self.buf.clear()
            return None
        nxt = None
        while len(self.buf) >= 4:
            mtype, mlen = self.buf[0], int.from_bytes(self.buf[1:4], "big")
            if mtype not in _HS_EVENT:
                self.buf.clear()  # the middle of a message we did not see
                break
            if len(self.buf) < 4 + mlen:
                break
            del self.buf[: 4 + mlen]
            if mtype == 20 and stage == HANDSHAKE:
                nxt = APP
            elif mtype == 5 and stage == EARLY:
                nxt = HANDSHAKE
            elif mtype == 24 and stage >= APP:
                nxt = stage + 1
            if nxt is not None:
                self.buf.clear()  # the rest was sent under the new key
                return nxt
        return None


# --- SSL 3.0 and TLS 1.0-1.2 ------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class _Suite12:
    kind: str  # "gcm" | "ccm" | "ccm8" | "chacha" | "cbc" | "stream" | "null"
    cipher: str  # "aes", "camellia", "3des", "des", "seed", "idea", "rc4", ...
    key_len: int
    block: int  # CBC block size (0 for AEAD and stream ciphers)
    mac: str | None  # hashlib name of the record MAC (CBC and stream suites)
    prf: str  # "sha256" | "sha384" (TLS 1.2 PRF hash)


_MAC_LEN = {"md5": 16, "sha1": 20, "sha256": 32, "sha384": 48}
_MACS = {"SHA": "sha1", "SHA256": "sha256", "SHA384": "sha384", "MD5": "md5"}
# bulk cipher part of an IANA name -> (kind, cipher, key length, block size)
_BULK: dict[str, tuple[str, str, int, int]] = {
    "AES_128_GCM": ("gcm", "aes", 16, 0),
    "AES_256_GCM": ("gcm", "aes", 32, 0),
    "AES_128_CCM": ("ccm", "aes", 16, 0),
    "AES_256_CCM": ("ccm", "aes", 32, 0),
    "AES_128_CCM_8": ("ccm8", "aes", 16, 0),
    "AES_256_CCM_8": ("ccm8", "aes", 32, 0),
    "CHACHA20_POLY1305": ("chacha", "chacha", 32, 0),
    "AES_128_CBC": ("cbc", "aes", 16, 16),
    "AES_256_CBC": ("cbc", "aes", 32, 16),
    "CAMELLIA_128_CBC": ("cbc", "camellia", 16, 16),
    "CAMELLIA_256_CBC": ("cbc", "camellia", 32, 16),
    "3DES_EDE_CBC": ("cbc", "3des", 24, 8),
    "DES_CBC": ("cbc", "des", 8, 8),
    "SEED_CBC": ("cbc", "seed", 16, 16),
    "IDEA_CBC": ("cbc", "idea", 16, 8),
    "RC4_128": ("stream", "rc4", 16, 0),
    "NULL": ("null", "null", 0, 0),  # integrity only: the MAC still says "ours"
}


def suite12(code: int) -> _Suite12 | None:
    """The record protection a TLS <= 1.2 suite uses, read from its IANA name."""
    name = names.cipher_suite_name(code)
    if "_WITH_" not in name or "EXPORT" in name:
        return None  # export suites derive keys differently
    bulk = name.split("_WITH_", 1)[1]
    prf = "sha384" if bulk.endswith("_SHA384") else "sha256"
    for cipher, (kind, algo, key_len, block) in _BULK.items():
        if bulk == cipher or bulk.startswith(cipher + "_"):
            rest = bulk[len(cipher) + 1 :]
            if kind in ("cbc", "stream", "null"):
                mac = _MACS.get(rest)
                if mac is None:
                    continue
                return _Suite12(kind, algo, key_len, block, mac, prf)
            if rest in ("", "SHA256", "SHA384"):
                return _Suite12(kind, algo, key_len, 0, None, prf)
    return None


def _p_hash(hash_name: str, secret: bytes, seed: bytes, length: int) -> bytes:
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac.new(secret, a, hash_name).digest()
        out += hmac.new(secret, a + seed, hash_name).digest()
    return bytes(out[:length])


def prf(
    version: int, hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int
) -> bytes:
    """RFC 5246 5 (TLS 1.2) or RFC 4346 5 (TLS 1.0/1.1: MD5 xor SHA-1 over the split secret)."""
    if version >= 0x0303:
        return _p_hash(hash_name, secret, label + seed, length)
    half = (len(secret) + 1) // 2
    md5 = _p_hash("md5", secret[:half], label + seed, length)
    sha = _p_hash("sha1", secret[len(secret) - half :], label + seed, length)
    return bytes(a ^ b for a, b in zip(md5, sha, strict=True))


def ssl3_key_block(master: bytes, server_random: bytes, client_random: bytes, length: int) -> bytes:
    """RFC 6101 6.2.2: MD5(master + SHA1('A' + master + randoms)), 'BB', 'CCC'..."""
    out = bytearray()
    i = 0
    while len(out) < length and i < 26:
        salt = bytes([0x41 + i]) * (i + 1)
        inner = hashlib.sha1(salt + master + server_random + client_random).digest()
        out += hashlib.md5(master + inner).digest()
        i += 1
    return bytes(out[:length])


def _block_cipher(name: str):
    """AES, or a legacy cipher from cryptography's decrepit module (older: the main one)."""
    if name == "aes":
        return algorithms.AES
    attr = {
        "camellia": "Camellia",
        "3des": "TripleDES",
        "des": "TripleDES",
        "seed": "SEED",
        "idea": "IDEA",
        "rc4": "ARC4",
    }.get(name)
    if attr is None:
        return None
    try:
        from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit
    except ImportError:  # pragma: no cover - cryptography < 43
        decrepit = algorithms
    return getattr(decrepit, attr, None)


class _Dir12:
    """One direction's SSL 3.0 / TLS <= 1.2 record protection, fed records in order."""

    def __init__(
        self, suite: _Suite12, version: int, mac_key: bytes, key: bytes, iv: bytes, deflate: bool
    ) -> None:
        self.suite, self.version = suite, version
        self.mac_key, self.key, self.iv = mac_key, key, iv
        self.prev: bytes | None = iv or None  # TLS 1.0 / SSL 3.0 CBC: IVs chain records
        self.aead: object | None = None
        self.stream = None
        self.deflate = deflate
        self.inflate = zlib.decompressobj() if deflate else None
        if suite.kind == "gcm":
            self.aead = AESGCM(key)
        elif suite.kind in ("ccm", "ccm8"):
            self.aead = AESCCM(key, 16 if suite.kind == "ccm" else 8)
        elif suite.kind == "chacha":
            self.aead = ChaCha20Poly1305(key)
        elif suite.kind == "stream":
            algo = _block_cipher(suite.cipher)
            self.stream = Cipher(algo(key), mode=None).decryptor() if algo else None

    def lost(self, length: int | None) -> None:
        """A record we do not have: keep the stream cipher in step, break the CBC chain."""
        if self.stream is not None:
            if length is None:
                self.stream = None  # how far to skip is unknown
            else:
                self.stream.update(bytes(length))
        self.prev = None
        self.inflate = None  # a DEFLATE stream cannot skip bytes

    def open(self, seqs: range, rtype: int, body: bytes) -> tuple[int, bytes] | None:
        """(sequence number, plaintext) of a record that authenticates, else None."""
        if self.aead is not None:
            for seq in seqs:
                got = self._open_aead(seq, rtype, body)
                if got is not None:
                    return seq, got
            return None
        if self.suite.kind == "null":
            return self._check_mac(seqs, rtype, body)
        if self.suite.kind == "stream":
            if self.stream is None:
                return None
            return self._check_mac(seqs, rtype, self.stream.update(body))
        return self._open_cbc(seqs, rtype, body)

    def _ad(self, seq: int, rtype: int, length: int) -> bytes:
        if self.version == 0x0300:
            return struct.pack(">QBH", seq, rtype, length)
        return struct.pack(">QBHH", seq, rtype, self.version, length)

    def _open_aead(self, seq: int, rtype: int, body: bytes) -> bytes | None:
        tag = 8 if self.suite.kind == "ccm8" else 16
        if self.suite.kind == "chacha":
            nonce = bytes(a ^ b for a, b in zip(self.iv, seq.to_bytes(12, "big"), strict=True))
            ct = body
        else:
            nonce, ct = self.iv + body[:8], body[8:]
        if len(ct) < tag:
            return None
        try:
            return self.aead.decrypt(  # type: ignore[attr-defined]
                nonce, ct, self._ad(seq, rtype, len(ct) - tag)
            )
        except (InvalidTag, ValueError, OverflowError):
            return None

    def _open_cbc(self, seqs: range, rtype: int, body: bytes) -> tuple[int, bytes] | None:
        block, algo = self.suite.block, _block_cipher(self.suite.cipher)
        if self.version >= 0x0302:
            iv, ct = body[:block], body[block:]
        else:
            iv, ct = self.prev, body
        self.prev = body[-block:] if len(body) >= block else None
        if algo is None or iv is None or not ct or len(ct) % block:
            return None
        key = self.key * 3 if self.suite.cipher == "des" else self.key
        dec = Cipher(algo(key), modes.CBC(iv)).decryptor()
        plain = dec.update(ct) + dec.finalize()
        pad = plain[-1]
        if pad + 1 > len(plain):
            return None
        if self.version == 0x0300:
            if pad >= block:  # SSL 3.0: padding bytes are arbitrary
                return None
        elif plain[-pad - 1 :] != bytes([pad]) * (pad + 1):
            return None
        return self._check_mac(seqs, rtype, plain[: len(plain) - pad - 1])

    def _check_mac(self, seqs: range, rtype: int, data: bytes) -> tuple[int, bytes] | None:
        mac_name = self.suite.mac or "sha1"
        mac_len = _MAC_LEN[mac_name]
        if len(data) < mac_len:
            return None
        content, mac = data[: len(data) - mac_len], data[len(data) - mac_len :]
        for seq in seqs:
            head = self._ad(seq, rtype, len(content))
            if self.version == 0x0300:
                want = _ssl3_mac(mac_name, self.mac_key, head + content)
            else:
                want = hmac.new(self.mac_key, head + content, mac_name).digest()
            if hmac.compare_digest(mac, want):
                return seq, content
        return None

    def inflate_record(self, data: bytes) -> bytes | None:
        """RFC 3749 DEFLATE: one zlib stream per direction, flushed at every record."""
        if self.inflate is None:
            return None
        try:
            return self.inflate.decompress(data, 1 << 16)
        except zlib.error:
            self.inflate = None
            return None


def _ssl3_mac(mac_name: str, secret: bytes, data: bytes) -> bytes:
    """RFC 6101 5.2.3.1: hash(secret + pad_2 + hash(secret + pad_1 + seq/type/length/data))."""
    npad = 48 if mac_name == "md5" else 40
    inner = hashlib.new(mac_name, secret + b"\x36" * npad + data).digest()
    return hashlib.new(mac_name, secret + b"\x5c" * npad + inner).digest()


@dataclass(slots=True, frozen=True)
class _Epoch:
    """What one (re)negotiation fixed: the inputs of its key block."""

    client_random: bytes
    server_random: bytes
    suite: int
    version: int
    deflate: bool


_DTLS_KDF = {0xFEFF: 0x0302, 0xFEFD: 0x0303, 0x0100: 0x0302}


def _keys12(builder, epoch: _Epoch, keys: KeyLog) -> list[_Dir12] | None:
    master = keys.secrets(epoch.client_random).get("CLIENT_RANDOM")
    first = epoch.client_random == builder.s.client_hellos[0].random
    if master is None and first:
        master = keys.resumed_master(builder.s)
        if master is not None:
            _note(
                builder,
                "key log: resumed session, decrypted with the master secret of the "
                "full handshake that issued its session ID or ticket",
            )
    elif master is not None and first:
        keys.remember_session(builder.s, master)
    suite = suite12(epoch.suite)
    version = epoch.version
    # DTLS 1.0/1.2 use the TLS 1.1/1.2 key block; the wire version stays in the MAC/AAD.
    kdf_version = _DTLS_KDF.get(version, version)
    if master is None or suite is None or not 0x0300 <= kdf_version <= 0x0303:
        if master is not None and suite is None:
            _note(
                builder,
                f"key log: cannot decrypt cipher suite {names.cipher_suite_name(epoch.suite)}",
            )
        return None
    mac_len = _MAC_LEN[suite.mac] if suite.mac else 0
    if suite.kind == "cbc":
        iv_len = suite.block if kdf_version < 0x0302 else 0
    elif suite.kind in ("stream", "null"):
        iv_len = 0
    else:
        iv_len = 12 if suite.kind == "chacha" else 4
    sr, cr = epoch.server_random, epoch.client_random
    n = 2 * (mac_len + suite.key_len + iv_len)
    if version == 0x0300:
        block = ssl3_key_block(master, sr, cr, n)
    else:
        block = prf(kdf_version, suite.prf, master, b"key expansion", sr + cr, n)
    parts = []
    pos = 0
    for size in (mac_len, mac_len, suite.key_len, suite.key_len, iv_len, iv_len):
        parts.append(block[pos : pos + size])
        pos += size
    cmac, smac, ckey, skey, civ, siv = parts
    return [
        _Dir12(suite, version, cmac, ckey, civ, epoch.deflate),
        _Dir12(suite, version, smac, skey, siv, epoch.deflate),
    ]


MAX_EPOCHS = 4  # renegotiations followed inside one connection


def _tls12(builder, keys: KeyLog) -> tuple[list[list[_Plain]], bool]:
    """Open both directions; follow renegotiations whose hellos we decrypted on the way."""
    s = builder.s
    sh = s.server_hello
    epochs = [
        _Epoch(
            s.client_hellos[0].random,
            sh.random,
            s.cipher_suite or 0,
            s.version or 0,
            sh.compression_method == 1,
        )
    ]
    plains: list[list[_Plain]] = [[], []]
    for _ in range(MAX_EPOCHS):
        dirs = [_keys12(builder, e, keys) for e in epochs]
        if dirs[0] is None:
            return [[], []], False
        usable = [d for d in dirs if d is not None]
        plains = [_tls12_side(builder, side, [d[side] for d in usable]) for side in (0, 1)]
        nxt = _renegotiated(plains, epochs[-1])
        if nxt is None or nxt in epochs or len(usable) < len(dirs):
            break
        epochs.append(nxt)
    return plains, True


def _renegotiated(plains: list[list[_Plain]], last: _Epoch) -> _Epoch | None:
    """The epoch a decrypted ClientHello + ServerHello pair starts, if there is one."""
    cr = sh = None
    for side, mtype in ((0, 1), (1, 2)):
        for body in _messages(p.data for p in plains[side] if p.ctype == 22):
            if body[0] != mtype:
                continue
            try:
                if mtype == 1:
                    got = msgs.decode_client_hello(body[4:], last.version).random
                    if got != last.client_random:
                        cr = got
                else:
                    hello = msgs.decode_server_hello(body[4:], last.version)
                    if hello.random != last.server_random:
                        sh = hello
            except msgs.DecodeError:
                continue
    if cr is None or sh is None:
        return None
    return _Epoch(cr, sh.random, sh.cipher_suite, sh.version, sh.compression_method == 1)


def _messages(chunks: Iterable[bytes]) -> Iterable[bytes]:
    """Whole handshake messages (header included) from a direction's decrypted bytes."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        if len(buf) > MAX_HS_BUFFER:
            return
        while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
            end = 4 + int.from_bytes(buf[1:4], "big")
            yield bytes(buf[:end])
            del buf[:end]


def _dtls_handshake(rtype: int, data: bytes) -> bytes:
    """A decrypted DTLS handshake record as TLS messages: each 12-byte DTLS header (with
    message_seq and fragment fields) becomes the 4-byte TLS one.  Protected handshake
    messages (Finished) are small and never fragmented in practice; a fragment is left out."""
    if rtype != 22:
        return data
    out = bytearray()
    pos = 0
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        foff = int.from_bytes(data[pos + 6 : pos + 9], "big")
        flen = int.from_bytes(data[pos + 9 : pos + 12], "big")
        body = data[pos + 12 : pos + 12 + flen]
        if foff == 0 and flen == length and len(body) == flen:
            out += data[pos : pos + 4] + body
        pos += 12 + flen
    return bytes(out)


def _tls12_side(builder, side: int, epochs: list[_Dir12]) -> list[_Plain]:
    """Open one direction's records from its first encrypted Finished on, seq 0 upward.

    A record the current keys cannot open is tried with the next renegotiation's keys, whose
    sequence numbers start again at 0 after that side's ChangeCipherSpec.
    """
    sealed = builder.sealed[side]
    dtls = getattr(builder.s, "transport", "tcp") == "udp"
    start = next((i for i, r in enumerate(sealed) if r.rtype == 22), None)
    if start is None:
        start = next((i for i, r in enumerate(sealed) if r.rtype == 21), 0)
    plains: list[_Plain] = []
    cur, seq, fails, gap = 0, 0, 0, False
    ever = False
    next_index = None
    for rec in sealed[start:]:
        keys = epochs[cur]
        missing = rec.index - next_index if next_index is not None else 0
        next_index = rec.index + 1
        if missing > 0:  # not kept by the builder (past its cap)
            keys.lost(None)
            seq, gap = seq + missing, True
        if rec.body is None:
            keys.lost(rec.length)
            seq, gap = seq + 1, True
            continue
        body = bytes(rec.body)
        if dtls:
            # A DTLS record names its own epoch and sequence number (kept in ``index``).
            got = keys.open(range(rec.index, rec.index + 1), rec.rtype, body)
            if got is None:
                fails += 1
                if fails >= 2 * MAX_FAILS:
                    break
                continue
            plains.append(_Plain(rec, rec.rtype, _dtls_handshake(rec.rtype, got[1])))
            fails, ever = 0, True
            continue
        # Try a few numbers: an encrypted heartbeat (not kept) also used one.
        got = keys.open(range(seq, seq + 3), rec.rtype, body)
        if got is None and cur + 1 < len(epochs):
            got = epochs[cur + 1].open(range(0, 3), rec.rtype, body)
            if got is not None:
                cur, keys = cur + 1, epochs[cur + 1]
        if got is None:
            seq, fails, gap = seq + 1, fails + 1, True
            if (not ever and fails >= MAX_FAILS) or fails >= 2 * MAX_FAILS:
                break
            continue
        seq, data = got[0] + 1, got[1]
        if keys.deflate:
            data = keys.inflate_record(data)
            if data is None:
                break
        plains.append(_Plain(rec, rec.rtype, data, gap or fails > 0))
        fails, ever, gap = 0, True, False
    return plains


# --- the model --------------------------------------------------------------------------------


def _apply(builder, side: int, plains: list[_Plain]) -> None:
    """Put what one direction's records held into the ladder, alerts and session facts."""
    buf = _HsBuffer()
    opened = {id(p.rec) for p in plains}
    last = builder.last_rec[side] if hasattr(builder, "last_rec") else None
    for p in plains:
        if p.ctype == 21:
            _apply_alert(builder, side, p)
            buf = _HsBuffer()
        elif p.ctype == 22:
            _apply_handshake(builder, side, p, buf)
        elif p.ctype == 23:
            ev = p.rec.event
            if ev is not None and ev.type == "EncryptedHandshake":
                ev.type, ev.note = "ApplicationData", "decrypted"
    _ensure_appdata_row(builder, side, plains)
    # A record we opened is no longer a candidate for the "likely an alert" guess.
    if last is not None and id(last) in opened:
        builder.last_rec[side] = None


def _ensure_appdata_row(builder, side: int, plains: list[_Plain]) -> None:
    """Keep one ApplicationData row per side when its placeholder became handshake messages."""
    first = next((p for p in plains if p.ctype == 23), None)
    if first is None or any(
        e.type == "ApplicationData" and e.sender == SIDES[side] for e in builder.s.events
    ):
        return
    rec = first.rec
    ev = Event(
        rec.frame,
        rec.time,
        SIDES[side],
        "ApplicationData",
        None,
        True,
        rec.length,
        rec.frame,
        None,
        "decrypted",
    )
    _insert_event(builder, rec, ev)
    if rec.event is None:
        rec.event = ev


def _apply_alert(builder, side: int, p: _Plain) -> None:
    rec, s = p.rec, builder.s
    if len(p.data) < 2:
        return
    level, code = p.data[0], p.data[1]
    detail = AlertMsg(level, code)
    ev = rec.event
    if ev is None:
        ev = Event(
            rec.frame,
            rec.time,
            SIDES[side],
            "Alert",
            detail,
            True,
            rec.length,
            rec.frame,
            None,
            "decrypted",
        )
        _insert_event(builder, rec, ev)
        rec.event = ev
    else:
        ev.type, ev.detail, ev.encrypted, ev.note = "Alert", detail, True, "decrypted"
    for a in s.alerts:
        if a.frame == rec.frame and a.sender == SIDES[side] and a.code is None:
            a.level, a.code, a.name = names.alert_level_name(level), code, names.alert_name(code)
            a.encrypted = a.decrypted = True
            return
    s.alerts.append(
        Alert(
            rec.frame,
            rec.time,
            SIDES[side],
            names.alert_level_name(level),
            code,
            names.alert_name(code),
            True,
            True,
            rec.length,
        )
    )


def _apply_handshake(builder, side: int, p: _Plain, buf: _HsBuffer) -> None:
    """Cut the direction's handshake byte stream into messages, one ladder row each."""
    rec, events = p.rec, builder.s.events
    if p.after_gap and buf.data:
        buf.data.clear()  # the message's middle was lost with a record
    if not buf.data:
        buf.first_frame = rec.frame
    buf.data += p.data
    new: list[Event] = []
    while len(buf.data) >= 4 and len(buf.data) <= MAX_HS_BUFFER:
        mtype, mlen = buf.data[0], int.from_bytes(buf.data[1:4], "big")
        if mtype not in _HS_EVENT or mlen > MAX_HS_BUFFER:
            buf.data.clear()  # not a message start: bytes of a lost record
            break
        if len(buf.data) < 4 + mlen:
            break
        body = bytes(buf.data[4 : 4 + mlen])
        del buf.data[: 4 + mlen]
        ev = _message_event(builder, side, mtype, body, rec, buf.first_frame)
        if len(events) + len(new) < MAX_EVENTS:
            new.append(ev)  # past the cap facts are kept, rows are not
        buf.first_frame = rec.frame
    if len(buf.data) > MAX_HS_BUFFER:
        buf.data.clear()
    if new:
        for ev in buf.pending:  # fragments now shown by the completed message
            _remove_event(events, ev)
        buf.pending.clear()
        _replace_event(builder, rec, new)
    elif rec.event is not None:
        rec.event.note = "decrypted: part of a handshake message continued in the next record"
        buf.pending.append(rec.event)


def _message_event(builder, side: int, mtype: int, body: bytes, rec, first_frame: int) -> Event:
    s = builder.s
    tls13 = builder.tls13
    etype = _HS_EVENT.get(mtype, f"Handshake{mtype}")
    detail = None
    malformed = None
    try:
        if mtype == 11:
            detail = msgs.decode_certificate(body, tls13)
            _set_certificates(s, side, detail)
        elif mtype == 13:
            s.certificate_request = True
            detail = msgs.decode_certificate_request(body, tls13, s.version or 0x0303)
        elif mtype == 4:
            detail = msgs.decode_new_session_ticket(body, tls13)
            if tls13 and side == 1:
                builder.finished[0] = True  # tickets follow the client's Finished (4.6.1)
        elif mtype == 8 and s.server_hello is not None:
            alpn = _alpn_of_extensions(body)
            if alpn is not None:
                s.server_hello.alpn = alpn
        elif mtype == 20:
            builder.finished[side] = True
    except msgs.DecodeError as exc:
        malformed = str(exc)
    return Event(
        rec.frame,
        rec.time,
        SIDES[side],
        etype,
        detail,
        True,
        len(body) + 4,
        first_frame or rec.frame,
        malformed,
        "decrypted",
    )


def _set_certificates(s, side: int, cert: CertificateMsg) -> None:
    if side == 1:
        s.server_certificates = cert.chain
    else:
        s.client_certificates = cert.chain


def _alpn_of_extensions(body: bytes) -> str | None:
    """The protocol an EncryptedExtensions selects (RFC 7301), if any."""
    if len(body) < 2:
        return None
    end = min(len(body), 2 + int.from_bytes(body[:2], "big"))
    pos = 2
    while pos + 4 <= end:
        etype, elen = struct.unpack(">HH", body[pos : pos + 4])
        data = body[pos + 4 : pos + 4 + elen]
        pos += 4 + elen
        if etype == 16 and len(data) >= 3:
            n = data[2]
            if 3 + n <= len(data):
                return data[3 : 3 + n].decode("utf-8", "replace")
    return None


def _replace_event(builder, rec, new: list[Event]) -> None:
    """Swap the record's placeholder event for its messages."""
    events = builder.s.events
    old = rec.event
    idx = next((i for i, e in enumerate(events) if e is old), None) if old is not None else None
    if idx is not None:
        events[idx : idx + 1] = new
    else:
        for ev in new:
            _insert_event(builder, rec, ev)
    rec.event = new[-1] if new else None


def _remove_event(events: list[Event], ev: Event) -> None:
    for i, e in enumerate(events):
        if e is ev:
            del events[i]
            return


def _insert_event(builder, rec, ev: Event) -> None:
    """Insert in capture order; in the record's own frame, before rows of its later records."""
    events = builder.s.events
    sealed = builder.sealed[rec.side]
    pos = next((i for i, r in enumerate(sealed) if r is rec), len(sealed))
    later = {id(r.event) for r in sealed[pos + 1 :] if r.event is not None}
    idx = len(events)
    while idx > 0 and (
        events[idx - 1].frame > ev.frame
        or (events[idx - 1].frame == ev.frame and id(events[idx - 1]) in later)
    ):
        idx -= 1
    events.insert(idx, ev)
