"""Shell commands inside "check next" items: found by rule so printers never break them.

A check-next item is either a command line (``openssl s_client -connect ...``) or prose that
may quote commands in backticks (``Check ... (`openssl verify -CAfile ca.pem ...`)``).  A
person copies commands into a shell, so every printer shows them whole, on their own line (or
in a code span), and never wraps or escapes inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Programs the diagnosis rules suggest; an item that starts with one of them is a command.
PROGRAMS = ("openssl", "curl", "nmap", "nc", "gnutls-cli", "tshark", "tcpdump", "keytool")
_SPAN = re.compile(r"`([^`]+)`")


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One check-next item split into the prose a person reads and the commands they copy."""

    prose: str
    commands: list[str] = field(default_factory=list)


def is_command(text: str) -> bool:
    first = text.split(" ", 1)[0]
    return first in PROGRAMS


def split_item(item: str) -> CheckItem:
    """``prose`` without the quoted commands (an empty ``()`` left by them is dropped)."""
    text = item.strip()
    if is_command(text):
        return CheckItem("", [text])
    commands = [m.group(1).strip() for m in _SPAN.finditer(text)]
    prose = _SPAN.sub("", text)
    prose = re.sub(r"\(\s*(?:e\.g\.)?\s*\)", "", prose)
    prose = re.sub(r"\(\s*(?:e\.g\.)\s*", "(", prose)
    prose = re.sub(r"\s+([,.:;])", r"\1", re.sub(r"\s{2,}", " ", prose)).strip()
    if commands and not prose.endswith(":"):
        prose = prose.rstrip(" ,;.") + ":"
    return CheckItem(prose, commands)
