"""Make capture-derived text safe to put on a terminal.

SNI, ALPN, certificate names and the first bytes of a non-TLS reply come from the wire: an
attacker chooses them.  Before they reach a screen (TUI, ``--report``, exported Markdown) every
C0/C1 control character, escape sequence introducer and bidirectional override is replaced by a
visible escape, so the text is shown as data and never drives the terminal.  Rich markup is
neutralised separately by ``rich.markup.escape`` or by building ``Text`` objects directly.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, zero-width and line/para
# separators, BOM: everything that can move the cursor, reorder text, or hide characters.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]"
)


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: str | bytes | None, limit: int = 512) -> str:
    """Return *value* with every unsafe character shown as a visible escape.

    Bytes are decoded as UTF-8 with invalid sequences escaped.  The result is cut to *limit*
    characters (with an ellipsis) so a hostile 64 KB SNI cannot flood a pane.
    """
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", "backslashreplace")
    if len(value) > limit:
        value = value[:limit] + "…"
    return _UNSAFE.sub(_escape, value)


def printable_preview(data: bytes, limit: int = 48) -> str:
    """Show the first bytes of a non-TLS payload: text where it is text, hex otherwise.

    ``HTTP/1.1 400 Bad Request\\r\\n`` reads better than hex; a binary banner does not.
    """
    chunk = bytes(data[:limit])
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in chunk)
    if chunk and printable >= len(chunk) * 0.8:
        text = chunk.decode("ascii", "backslashreplace")
        text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
        return safe_text(text, limit * 4)
    return chunk.hex(" ")
