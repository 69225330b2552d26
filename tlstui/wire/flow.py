"""Which flow a frame belongs to: its TCP segment or UDP datagram, inside tunnels too.

The engine never asks this per packet (its loop decodes TCP in place and hands the rest to
the UDP tracker); the second pass that saves one session's packets (``--extract``) does, and
must find them the way the first pass did: plain TCP, then the tunnels the tracker opens, then
UDP (QUIC, DTLS).
"""

from __future__ import annotations

from tlstui.wire import tunnels
from tlstui.wire.packet import decode_tcp
from tlstui.wire.udp import decode_udp

__all__ = ["TCP", "UDP", "flow_of"]

TCP, UDP = 6, 17


def flow_of(buf, off: int, caplen: int, link: int, origlen: int) -> tuple[int, tuple] | None:
    """``(TCP or UDP, (address bytes, source port, destination port))`` of the innermost
    segment or datagram in the frame (at most ``tunnels.MAX_DEPTH`` tunnels deep), or None
    for a frame that holds neither (or is damaged).  The key has the engine's shape: raw
    source and destination addresses, then the ports, in the frame's direction."""
    for _depth in range(tunnels.MAX_DEPTH + 1):
        r = decode_tcp(buf, off, caplen, link, origlen)
        if r.__class__ is tuple:
            return TCP, (r[0], r[1], r[2])
        if r is not None:
            return None  # a damaged TCP header, or a link type not decoded
        inner = tunnels.decap(buf, off, caplen, link)
        if inner is None:
            u = decode_udp(buf, off, caplen, link)
            return None if u is None else (UDP, (u[0], u[1], u[2]))
        start, stop, link, _name = inner
        off, caplen = start, stop - start
        origlen = caplen
    return None
