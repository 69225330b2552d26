"""Tunnels: find the inner frame of VXLAN, Geneve, GRE (IP, TEB, ERSPAN II/III), IP-in-IP,
IPv6-in-IPv4 (and their IPv6-outer forms) and MPLS label stacks.

``decap`` returns where the encapsulated frame starts, how long it is (never past the outer
IP length, so Ethernet padding and trailers are not inner bytes), which link type to decode
it with (Ethernet or raw IP) and the tunnel's name for the session notes.  It is called only
for frames that are not plain TCP, and the caller bounds the nesting depth.
"""

from __future__ import annotations

import struct

from tlstui.wire.packet import ANY_FRAGMENT, ETH_IPV4, ETH_IPV6, _network_offset, ipv6_upper

__all__ = ["LINK_ETHERNET", "LINK_RAW", "MAX_DEPTH", "decap"]

LINK_ETHERNET = 1
LINK_RAW = 101
MAX_DEPTH = 4  # tunnels inside tunnels followed before giving up

VXLAN_PORT = 4789
GENEVE_PORT = 6081
_U16 = struct.Struct(">H").unpack_from
_MPLS = (0x8847, 0x8848)


def _ip_payload(buf, p: int, end: int, proto: int) -> tuple[int, int, int] | None:
    """(next protocol, payload start, payload end) of the IPv4/IPv6 header at *p*."""
    if proto == ETH_IPV4:
        if p + 20 > end:
            return None
        vihl = buf[p]
        ihl = (vihl & 0x0F) * 4
        if vihl >> 4 != 4 or ihl < 20 or _U16(buf, p + 6)[0] & 0x3FFF:
            return None  # not IPv4, or a fragment (not reassembled)
        total = _U16(buf, p + 2)[0] or end - p
        return buf[p + 9], p + ihl, min(p + total, end)
    if proto == ETH_IPV6:
        if p + 40 > end or buf[p] >> 4 != 6:
            return None
        plen = _U16(buf, p + 4)[0]
        nxt = buf[p + 6]
        stop = min(p + 40 + plen, end) if plen else end
        nxt, t = ipv6_upper(buf, nxt, p + 40, stop, ANY_FRAGMENT)
        return (nxt, t, stop) if nxt >= 0 else None
    return None


def _raw_or_ether(ptype: int) -> int | None:
    if ptype in (ETH_IPV4, ETH_IPV6):
        return LINK_RAW
    if ptype == 0x6558:  # transparent Ethernet bridging
        return LINK_ETHERNET
    return None


def _gre(buf, t: int, stop: int) -> tuple[int, int, int, str] | None:
    if t + 4 > stop:
        return None
    flags = _U16(buf, t)[0]
    ptype = _U16(buf, t + 2)[0]
    if flags & 0x0007:  # GRE version 1 (PPTP) is not followed
        return None
    q = t + 4
    if flags & 0x8000:
        q += 4  # checksum + reserved
    if flags & 0x2000:
        q += 4  # key
    if flags & 0x1000:
        q += 4  # sequence number
    if q > stop:
        return None
    if ptype == 0x88BE:  # ERSPAN type II (with a sequence number) or type I (without)
        if flags & 0x1000:
            q += 8
            name = "GRE/ERSPAN II"
        else:
            name = "GRE/ERSPAN I"
        return (q, stop, LINK_ETHERNET, name) if q <= stop else None
    if ptype == 0x22EB:  # ERSPAN type III: 12 bytes, 8 more with the O flag
        if q + 12 > stop:
            return None
        o_flag = buf[q + 11] & 0x01
        q += 20 if o_flag else 12
        return (q, stop, LINK_ETHERNET, "GRE/ERSPAN III") if q <= stop else None
    link = _raw_or_ether(ptype)
    if link is None:
        return None
    return q, stop, link, "GRE/TEB" if link == LINK_ETHERNET else "GRE"


def _udp_tunnel(buf, t: int, stop: int) -> tuple[int, int, int, str] | None:
    if t + 8 > stop:
        return None
    dport = _U16(buf, t + 2)[0]
    sport = _U16(buf, t)[0]
    q = t + 8
    if dport == VXLAN_PORT or (sport == VXLAN_PORT and dport > 1023):
        if q + 8 > stop or not buf[q] & 0x08:  # the I flag: a valid VNI
            return None
        return q + 8, stop, LINK_ETHERNET, "VXLAN"
    if dport == GENEVE_PORT:
        if q + 8 > stop or buf[q] >> 6 != 0:
            return None
        opt_len = (buf[q] & 0x3F) * 4
        link = _raw_or_ether(_U16(buf, q + 2)[0])
        if link is None or q + 8 + opt_len > stop:
            return None
        return q + 8 + opt_len, stop, link, "Geneve"
    return None


def decap(buf, off: int, caplen: int, link: int) -> tuple[int, int, int, str] | None:
    """(inner start, inner end, inner link type, tunnel name), or None when not a tunnel."""
    end = off + caplen
    if link < 0:
        return None
    proto, p = _network_offset(buf, off, end, link)
    if proto in _MPLS:
        hops = 0
        while True:
            if p + 4 > end or hops > 16:
                return None
            bottom = buf[p + 2] & 0x01
            p += 4
            hops += 1
            if bottom:
                break
        if p >= end:
            return None
        nib = buf[p] >> 4
        if nib in (4, 6):
            return p, end, LINK_RAW, "MPLS"
        if nib == 0 and p + 4 < end:  # pseudowire control word, then Ethernet
            return p + 4, end, LINK_ETHERNET, "MPLS/Ethernet PW"
        return None
    ip = _ip_payload(buf, p, end, proto)
    if ip is None:
        return None
    nxt, t, stop = ip
    if nxt == 4:
        return t, stop, LINK_RAW, "IP-in-IP" if proto == ETH_IPV4 else "IPv4-in-IPv6"
    if nxt == 41:
        return t, stop, LINK_RAW, "IPv6-in-IPv4" if proto == ETH_IPV4 else "IPv6-in-IPv6"
    if nxt == 47:
        return _gre(buf, t, stop)
    if nxt == 17:
        return _udp_tunnel(buf, t, stop)
    return None
