"""Link, IP and TCP headers: find the TCP segment in a frame without copying it.

This is the per-packet hot path.  It reads header fields with ``struct.unpack_from`` straight
from the capture buffer and returns offsets; only the flow key (addresses and ports) is sliced.
"""

from __future__ import annotations

import struct

_U16 = struct.Struct(">H").unpack_from
_U16LE = struct.Struct("<H").unpack_from
_U32 = struct.Struct(">I").unpack_from
_U32LE = struct.Struct("<I").unpack_from
_TCP = struct.Struct(">HHIIBB").unpack_from  # ports, seq, ack, data offset, flags

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
_VLAN = (0x8100, 0x88A8, 0x9100, 0x9200)
_IPV6_EXT = (0, 43, 60, 51, 135, 139, 140)

# Results other than a TCP tuple.
NOT_TCP = None
DAMAGED = 0

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def _network_offset(buf, off: int, end: int, link: int) -> tuple[int, int]:
    """Return (ethertype-like protocol, offset of the IP header); (0, 0) when not IP."""
    if link == 1:  # Ethernet
        if off + 14 > end:
            return -1, 0
        proto = _U16(buf, off + 12)[0]
        p = off + 14
        while proto in _VLAN:
            if p + 4 > end:
                return -1, 0
            proto = _U16(buf, p + 2)[0]
            p += 4
        if proto == 0x8864:  # PPPoE session
            if p + 8 > end:
                return -1, 0
            ppp = _U16(buf, p + 6)[0]
            proto = ETH_IPV4 if ppp == 0x0021 else ETH_IPV6 if ppp == 0x0057 else 0
            p += 8
        return proto, p
    if link == 113:  # Linux cooked (SLL)
        if off + 16 > end:
            return -1, 0
        return _U16(buf, off + 14)[0], off + 16
    if link == 276:  # Linux cooked v2 (SLL2)
        if off + 20 > end:
            return -1, 0
        return _U16(buf, off)[0], off + 20
    if link in (101, 12, 14, 228, 229):  # raw IP
        if off >= end:
            return -1, 0
        v = buf[off] >> 4
        return (ETH_IPV4 if v == 4 else ETH_IPV6 if v == 6 else 0), off
    if link in (0, 108):  # BSD loopback / OpenBSD loop
        if off + 4 > end:
            return -1, 0
        fam = _U32(buf, off)[0] if link == 108 else _U32LE(buf, off)[0]
        if fam > 0xFFFF:  # written in the other order
            fam = _U32LE(buf, off)[0] if link == 108 else _U32(buf, off)[0]
        if fam == 2:
            return ETH_IPV4, off + 4
        if fam in (10, 24, 28, 30):
            return ETH_IPV6, off + 4
        return 0, 0
    return -2, 0


NON_FIRST_FRAGMENT = 0xFFF8  # fragment-header bits refused: a non-zero offset
ANY_FRAGMENT = 0xFFF9  # ... or the more-fragments flag too


def ipv6_upper(buf, nxt: int, t: int, limit: int, refuse: int) -> tuple[int, int]:
    """Walk the IPv6 extension headers from offset *t* (*nxt*: the first next-header value):
    ``(upper-layer protocol, its offset)``; ``(-1, t)`` when they run past *limit* or nest
    more than 8 deep; ``(-2, t)`` for a fragment header with a *refuse* bit set (fragments
    are not reassembled)."""
    hops = 0
    while nxt in _IPV6_EXT or nxt == 44:
        if t + 8 > limit or hops > 8:
            return -1, t
        if nxt == 44:  # fragment header
            if _U16(buf, t + 2)[0] & refuse:
                return -2, t
            nxt, t = buf[t], t + 8
        elif nxt == 51:  # AH: length in 4-byte units
            nxt, t = buf[t], t + (buf[t + 1] + 2) * 4
        else:
            nxt, t = buf[t], t + (buf[t + 1] + 1) * 8
        hops += 1
    return nxt, t


def decode_tcp(buf, off: int, caplen: int, link: int, origlen: int | None = None):
    """Locate the TCP segment in one frame.

    Returns ``(key, sport, dport, seq, ack, flags, payload_off, payload_len, cut)`` where
    ``key`` is the raw source+destination address bytes, ``cut`` the number of payload bytes
    the snaplen removed; ``NOT_TCP`` (None) for anything else; ``DAMAGED`` (0) when a header
    is cut off or its lengths are impossible; -2 for an unsupported link type.

    ``origlen`` (the frame's length on the wire) tells a snaplen cut from an IP length that
    lies: when the whole frame was captured (``origlen <= caplen``) an IP length beyond the
    frame is a lie, the payload is what the frame holds and ``cut`` is 0.
    """
    if link < 0:  # the reader's marker for a damaged capture block: counted, not parsed
        return DAMAGED
    end = off + caplen
    proto, p = _network_offset(buf, off, end, link)
    if proto == ETH_IPV4:
        if p + 20 > end:
            return DAMAGED
        vihl = buf[p]
        ihl = (vihl & 0x0F) * 4
        if vihl >> 4 != 4 or ihl < 20:
            return DAMAGED
        total = _U16(buf, p + 2)[0]
        if buf[p + 9] != 6:
            return NOT_TCP
        if _U16(buf, p + 6)[0] & 0x1FFF:  # a non-first fragment
            return NOT_TCP
        if total < ihl:
            if total == 0:  # TSO: length left to the NIC
                total = end - p
            else:
                return DAMAGED
        key = buf[p + 12 : p + 20]
        ip_end = p + total
        t = p + ihl
    elif proto == ETH_IPV6:
        if p + 40 > end:
            return DAMAGED
        if buf[p] >> 4 != 6:
            return DAMAGED
        plen = _U16(buf, p + 4)[0]
        nxt = buf[p + 6]
        key = buf[p + 8 : p + 40]
        ip_end = p + 40 + plen if plen else end  # 0: jumbogram / TSO
        nxt, t = ipv6_upper(buf, nxt, p + 40, end, NON_FIRST_FRAGMENT)
        if nxt == -1:
            return DAMAGED
        if nxt != 6:
            return NOT_TCP
    elif proto == -1:
        return DAMAGED
    elif proto == -2:
        return -2
    else:
        return NOT_TCP
    if t + 20 > end:
        return DAMAGED
    sport, dport, seq, ack, doff, flags = _TCP(buf, t)
    hlen = (doff >> 4) * 4
    if hlen < 20 or t + hlen > ip_end:
        return DAMAGED
    pay = t + hlen
    cut = 0
    if ip_end > end:
        if origlen is not None and origlen <= caplen:
            # Nothing was cut, so the IP length lies: the frame's end bounds the payload.
            # Treating it as a snaplen cut would make the reassembler skip up to 64 KB of
            # sequence space and drop the rest of that direction as "retransmissions".
            ip_end = end
        else:
            # The snaplen may cut inside the TCP options (e.g. -s 60
            # with timestamps), leaving the payload start beyond the frame; then no payload
            # was captured and the payload length must not go negative.
            cut = ip_end - max(end, pay)
            ip_end = end
    return key, sport, dport, seq, ack, flags, pay, max(0, ip_end - pay), cut


def format_ip(raw: bytes) -> str:
    if len(raw) == 4:
        return f"{raw[0]}.{raw[1]}.{raw[2]}.{raw[3]}"
    import socket  # only for IPv6: socket costs ~0.6 MB and most captures are IPv4

    return socket.inet_ntop(socket.AF_INET6, raw)
