"""UDP datagrams: find the UDP payload in a frame (IPv4/IPv6 over any supported link).

Called only for frames the TCP decoder did not take, so the TCP hot path pays nothing for it.
Returns offsets into the capture buffer; only the flow key (addresses) is sliced.
"""

from __future__ import annotations

import struct

from tlstui.wire.packet import ANY_FRAGMENT, ETH_IPV4, ETH_IPV6, _network_offset, ipv6_upper

_U16 = struct.Struct(">H").unpack_from
_UDP = struct.Struct(">HHH").unpack_from  # ports, length

__all__ = ["decode_udp"]


def decode_udp(buf, off: int, caplen: int, link: int):
    """``(key, sport, dport, payload_off, payload_len)`` of a UDP datagram, else None.

    ``key`` is the raw source+destination address bytes (as for TCP).  The payload ends at
    the UDP length, never past the IP length or the captured bytes: Ethernet padding and
    trailers are not payload.  Non-first IP fragments are not reassembled (None).
    """
    if link < 0:
        return None
    end = off + caplen
    proto, p = _network_offset(buf, off, end, link)
    if proto == ETH_IPV4:
        if p + 20 > end:
            return None
        vihl = buf[p]
        ihl = (vihl & 0x0F) * 4
        if vihl >> 4 != 4 or ihl < 20 or buf[p + 9] != 17:
            return None
        if _U16(buf, p + 6)[0] & 0x3FFF:  # a fragment (more-fragments or offset)
            return None
        total = _U16(buf, p + 2)[0] or end - p
        key = buf[p + 12 : p + 20]
        ip_end = min(p + total, end)
        t = p + ihl
    elif proto == ETH_IPV6:
        if p + 40 > end or buf[p] >> 4 != 6:
            return None
        plen = _U16(buf, p + 4)[0]
        nxt = buf[p + 6]
        key = buf[p + 8 : p + 40]
        ip_end = min(p + 40 + plen, end) if plen else end
        nxt, t = ipv6_upper(buf, nxt, p + 40, end, ANY_FRAGMENT)
        if nxt != 17:
            return None
    else:
        return None
    if t + 8 > ip_end:
        return None
    sport, dport, ulen = _UDP(buf, t)
    pay = t + 8
    stop = t + ulen if ulen >= 8 else ip_end
    stop = min(stop, ip_end)
    return key, sport, dport, pay, max(0, stop - pay)
