"""TLS 1.3 record protection: the key schedule from logged traffic secrets, and AEAD opening.

Pure functions over bytes: given one direction's protected records in order and the key log's
secrets for the session, return the records that authenticated (``Opened``), following the key
changes the decrypted handshake announces (EndOfEarlyData, Finished, KeyUpdate).  A wrong key, a
truncated record or a lost record never raises: the record stays unopened.  Work per record is
bounded by ``MAX_SEQ_GUESS`` and by giving up after ``MAX_FAILS`` failures in a row.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from tlstui.tls.names import HANDSHAKE_EVENTS
from tlstui.tls.protected import MAX_FAILS, MAX_HS_BUFFER, Opened, R

__all__ = ["MAX_SEQ_GUESS", "Aead", "can_open", "hkdf_expand_label", "open_tls13"]

MAX_SEQ_GUESS = 8  # skipped records a key change may hide (seq numbers tried)
SIDES = ("client", "server")


class Aead(Protocol):
    """What AESGCM, AESCCM and ChaCha20Poly1305 have in common."""

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...


# suite -> (hash, key length, AEAD factory)
SUITES: dict[int, tuple[str, int, Callable[[bytes], Aead]]] = {
    0x1301: ("sha256", 16, AESGCM),
    0x1302: ("sha384", 32, AESGCM),
    0x1303: ("sha256", 32, ChaCha20Poly1305),
    0x1304: ("sha256", 16, lambda k: AESCCM(k, 16)),
    0x1305: ("sha256", 16, lambda k: AESCCM(k, 8)),
}
_HASHES: dict[str, type[hashes.SHA256] | type[hashes.SHA384]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
}

EARLY, HANDSHAKE, APP = 0, 1, 2  # key stages of a direction; APP + n is generation n


def can_open(suite: int | None) -> bool:
    """Whether the suite's record protection is implemented here."""
    return suite in SUITES


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
        self.hash, self.key_len, self.factory = SUITES[suite]
        who = SIDES[side].upper()
        self.secrets: dict[int, bytes] = {}
        for stage, label in (
            (EARLY, "CLIENT_EARLY_TRAFFIC_SECRET" if side == 0 else ""),
            (HANDSHAKE, f"{who}_HANDSHAKE_TRAFFIC_SECRET"),
            (APP, f"{who}_TRAFFIC_SECRET_0"),
        ):
            if label and label in secrets:
                self.secrets[stage] = secrets[label]
        self._cache: dict[int, tuple[Aead, bytes] | None] = {}

    def first_stage(self) -> int:
        return min(self.secrets, default=HANDSHAKE)

    def get(self, stage: int) -> tuple[Aead, bytes] | None:
        if stage not in self._cache:
            self._cache[stage] = self._make(stage)
        return self._cache[stage]

    def _make(self, stage: int) -> tuple[Aead, bytes] | None:
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


def _open13(keys: tuple[Aead, bytes], seq: int, body: bytes, aad: bytes | None) -> bytes | None:
    aead, iv = keys
    nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big"), strict=True))
    header = aad if aad is not None else bytes([23, 3, 3]) + len(body).to_bytes(2, "big")
    try:
        return aead.decrypt(nonce, body, header)
    except (InvalidTag, ValueError, OverflowError):
        return None


def open_tls13(
    sealed: Sequence[Sequence[R]], suite: int, version: int, secrets: dict[str, bytes]
) -> tuple[list[list[Opened[R]]], list[bool], bool]:
    """Open both directions: (opened per side, Finished known per side, any secret to try)."""
    # Drafts before 25 authenticated no record header (draft-ietf-tls-tls13-25 5.2).
    aad = b"" if 0x7F00 <= version < 0x7F19 else None
    out: list[list[Opened[R]]] = [[], []]
    finished = [False, False]
    tried = False
    for side in (0, 1):
        keys = _Keys13(suite, secrets, side)
        if not keys.secrets:
            continue
        tried = True
        out[side], finished[side] = _open_side(sealed[side], keys, aad)
    return out, finished, tried


def _open_side(
    records: Sequence[R], keys: _Keys13, aad: bytes | None
) -> tuple[list[Opened[R]], bool]:
    """Walk one direction's records, following key changes (Finished, KeyUpdate)."""
    stage, seq, skipped, fails = keys.first_stage(), 0, 0, 0
    ever = finished = False
    opened: list[Opened[R]] = []
    hs_parser = _InnerHandshake()
    next_index = None
    for rec in records:
        # Records the builder did not keep (past its cap) still used sequence numbers.
        missing = rec.index - next_index if next_index is not None else 0
        seq, skipped, next_index = seq + max(missing, 0), skipped + max(missing, 0), rec.index + 1
        if rec.rtype != 23:
            continue  # not protected: uses no sequence number
        if not rec.body:
            seq, skipped = seq + 1, skipped + 1
            continue
        got = _try13(keys, bytes(rec.body), stage, seq, skipped, aad)
        if got is None:
            seq, skipped, fails = seq + 1, skipped + 1, fails + 1
            if (not ever and fails >= MAX_FAILS) or fails >= 2 * MAX_FAILS:
                break
            continue
        stage, used_seq, inner = got
        gap = skipped > 0 or used_seq != seq
        seq, skipped, fails, ever = used_seq + 1, 0, 0, True
        if stage >= APP:
            finished = True  # application keys only follow a Finished
        ctype, data = _unpad(inner)
        if ctype is None:
            continue
        opened.append(Opened(rec, ctype, data, gap))
        if ctype == 22:
            nxt = hs_parser.key_change(data, stage, gap)
            if nxt is not None:
                stage, seq = nxt, 0
                if stage == APP:
                    finished = True
    return opened, finished


def _try13(
    keys: _Keys13, body: bytes, stage: int, seq: int, skipped: int, aad: bytes | None
) -> tuple[int, int, bytes] | None:
    """Open with the expected key, else a later stage (a change hidden in skipped records)."""
    cur = keys.get(stage)
    if cur is not None:
        inner = _open13(cur, seq, body, aad)
        if inner is not None:
            return stage, seq, inner
    guesses = min(skipped, MAX_SEQ_GUESS)
    for nxt in (stage + 1, stage + 2):
        k = keys.get(nxt)
        if k is None:
            continue
        for s in range(guesses + 1):
            inner = _open13(k, s, body, aad)
            if inner is not None:
                return nxt, s, inner
    if cur is not None:  # same key, records lost before this one
        for s in range(seq + 1, seq + 1 + MAX_SEQ_GUESS):
            inner = _open13(cur, s, body, aad)
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
            if mtype not in HANDSHAKE_EVENTS:
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
