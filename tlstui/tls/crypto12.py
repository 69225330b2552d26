"""SSL 3.0 and TLS 1.0-1.2 record protection: the key block from a logged master secret, and
opening records (AEAD, CBC with MAC and padding checks, stream and NULL ciphers, DEFLATE).

Pure functions over bytes: given one direction's protected records in order and the key log,
return the records whose MAC or tag verified (``Opened``), following renegotiations whose hellos
were decrypted on the way (at most ``MAX_EPOCHS``).  Nothing raises on bad input: a record that
does not authenticate stays unopened, and a direction gives up after ``MAX_FAILS`` in a row.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import types
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from tlstui.tls import messages as msgs
from tlstui.tls import names
from tlstui.tls.crypto13 import Aead
from tlstui.tls.keylog import KeyLog
from tlstui.tls.protected import MAX_FAILS, Opened, R, handshake_messages

__all__ = ["MAX_EPOCHS", "Epoch", "Suite12", "open_tls12", "prf", "ssl3_key_block", "suite12"]

MAX_EPOCHS = 4  # renegotiations followed inside one connection


@dataclass(slots=True, frozen=True)
class Suite12:
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


def suite12(code: int) -> Suite12 | None:
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
                return Suite12(kind, algo, key_len, block, mac, prf)
            if rest in ("", "SHA256", "SHA384"):
                return Suite12(kind, algo, key_len, 0, None, prf)
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


def _block_cipher(name: str) -> Any:
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
    decrepit: types.ModuleType
    try:
        from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit
    except ImportError:  # pragma: no cover - cryptography 42 has no decrepit module
        decrepit = algorithms
    return getattr(decrepit, attr, None)


class _Dir12:
    """One direction's SSL 3.0 / TLS <= 1.2 record protection, fed records in order."""

    def __init__(
        self, suite: Suite12, version: int, mac_key: bytes, key: bytes, iv: bytes, deflate: bool
    ) -> None:
        self.suite, self.version = suite, version
        self.mac_key, self.key, self.iv = mac_key, key, iv
        self.prev: bytes | None = iv or None  # TLS 1.0 / SSL 3.0 CBC: IVs chain records
        self.aead: Aead | None = None
        self.stream: Any = None  # a CipherContext; None when it cannot continue
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
        if len(ct) < tag or self.aead is None:
            return None
        try:
            return self.aead.decrypt(nonce, ct, self._ad(seq, rtype, len(ct) - tag))
        except (InvalidTag, ValueError, OverflowError):
            return None

    def _open_cbc(self, seqs: range, rtype: int, body: bytes) -> tuple[int, bytes] | None:
        block, algo = self.suite.block, _block_cipher(self.suite.cipher)
        if self.version >= 0x0302:
            iv: bytes | None = body[:block]
            ct = body[block:]
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
class Epoch:
    """What one (re)negotiation fixed: the inputs of its key block."""

    client_random: bytes
    server_random: bytes
    suite: int
    version: int
    deflate: bool
    master: bytes | None = None  # a resumed session's: from the handshake that issued it


# DTLS 1.0/1.2 use the TLS 1.1/1.2 key block; the wire version stays in the MAC/AAD.
_DTLS_KDF = {0xFEFF: 0x0302, 0xFEFD: 0x0303, 0x0100: 0x0302}


def _keys12(epoch: Epoch, keys: KeyLog, notes: list[str]) -> list[_Dir12] | None:
    master = keys.secrets(epoch.client_random).get("CLIENT_RANDOM") or epoch.master
    suite = suite12(epoch.suite)
    version = epoch.version
    kdf_version = _DTLS_KDF.get(version, version)
    if master is None or suite is None or not 0x0300 <= kdf_version <= 0x0303:
        if master is not None and suite is None:
            notes.append(
                f"key log: cannot decrypt cipher suite {names.cipher_suite_name(epoch.suite)}"
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


def open_tls12(
    sealed: Sequence[Sequence[R]],
    first: Epoch,
    keys: KeyLog,
    notes: list[str],
    dtls: bool = False,
) -> tuple[list[list[Opened[R]]], bool]:
    """Open both directions: (opened per side, whether the key log had the master secret and the
    suite is implemented).  Follows renegotiations whose hellos we decrypted on the way; what
    could not be done is appended to *notes*."""
    epochs = [first]
    opened: list[list[Opened[R]]] = [[], []]
    for _ in range(MAX_EPOCHS):
        dirs = [_keys12(e, keys, notes) for e in epochs]
        if dirs[0] is None:
            return [[], []], False
        usable = [d for d in dirs if d is not None]
        opened = [_open_side(sealed[side], [d[side] for d in usable], dtls) for side in (0, 1)]
        nxt = _renegotiated(opened, epochs[-1])
        if nxt is None or nxt in epochs or len(usable) < len(dirs):
            break
        epochs.append(nxt)
    return opened, True


def _renegotiated(opened: list[list[Opened[R]]], last: Epoch) -> Epoch | None:
    """The epoch a decrypted ClientHello + ServerHello pair starts, if there is one."""
    cr = sh = None
    for side, mtype in ((0, 1), (1, 2)):
        for body in handshake_messages(p.data for p in opened[side] if p.ctype == 22):
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
    return Epoch(cr, sh.random, sh.cipher_suite, sh.version, sh.compression_method == 1)


def dtls_handshake(rtype: int, data: bytes) -> bytes:
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


def _open_dtls_side(sealed: Sequence[R], keys: _Dir12) -> list[Opened[R]]:
    """DTLS: every record names its epoch and sequence number (``index`` holds
    ``epoch << 48 | seq``, the 8 bytes the MAC/AAD use), so nothing is guessed."""
    opened: list[Opened[R]] = []
    fails = 0
    for rec in sealed:
        if rec.body is None:
            continue
        got = keys.open(range(rec.index, rec.index + 1), rec.rtype, bytes(rec.body))
        if got is None:
            fails += 1
            if fails >= 2 * MAX_FAILS:
                break
            continue
        opened.append(Opened(rec, rec.rtype, dtls_handshake(rec.rtype, got[1]), fails > 0))
        fails = 0
    return opened


def _open_side(sealed: Sequence[R], epochs: list[_Dir12], dtls: bool = False) -> list[Opened[R]]:
    """Open one direction's records from its first encrypted Finished on, seq 0 upward.

    A record the current keys cannot open is tried with the next renegotiation's keys, whose
    sequence numbers start again at 0 after that side's ChangeCipherSpec.
    """
    if dtls:
        return _open_dtls_side(sealed, epochs[0])
    start = next((i for i, r in enumerate(sealed) if r.rtype == 22), None)
    if start is None:
        start = next((i for i, r in enumerate(sealed) if r.rtype == 21), 0)
    opened: list[Opened[R]] = []
    cur, seq, fails, gap = 0, 0, 0, False
    ever = False
    next_index = None
    for rec in sealed[start:]:
        keys = epochs[cur]
        missing = rec.index - next_index if next_index is not None else 0
        next_index = rec.index + 1
        if missing > 0:  # a record whose bytes were not kept
            keys.lost(None)
            seq, gap = seq + missing, True
        if rec.body is None:
            keys.lost(rec.length)
            seq, gap = seq + 1, True
            continue
        body = bytes(rec.body)
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
        seq = got[0] + 1
        data: bytes | None = got[1]
        if keys.deflate:
            data = keys.inflate_record(got[1])
            if data is None:
                break
        assert data is not None
        opened.append(Opened(rec, rec.rtype, data, gap or fails > 0))
        fails, ever, gap = 0, True, False
    return opened
