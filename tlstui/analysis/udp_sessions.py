"""TLS over UDP: QUIC connections (and DTLS, see ``dtls_sessions``) found by content.

The engine hands every frame that is not TCP to ``UdpTracker.packet``.  A flow is only
remembered once a datagram looks like the start of a handshake (a QUIC client Initial that
opens with keys derived from its own Destination Connection ID, or a DTLS ClientHello), so
DNS, media and other UDP traffic cost one header decode and a few byte tests per packet.

A QUIC connection's CRYPTO frames are reassembled per direction and packet-number space and
their TLS messages go through the same ``SessionBuilder`` as TCP sessions, so the ladder, the
alerts and the diagnosis are the TCP ones; QUIC's own packets (Retry, Version Negotiation,
CONNECTION_CLOSE, Handshake packets that cannot be opened) are added as ladder rows.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from tlstui.analysis.model import Alert, Endpoint, Event, QuicClose, QuicInfo, Session, Side
from tlstui.analysis.sessions import CLIENT, SERVER, SessionBuilder
from tlstui.tls import dtls, names
from tlstui.tls import quic as q
from tlstui.tls.keylog import KeyLog
from tlstui.tls.messages import alpn_of_extensions
from tlstui.tls.model import AlertMsg
from tlstui.wire import tunnels
from tlstui.wire.packet import decode_tcp, format_ip
from tlstui.wire.udp import decode_udp

__all__ = ["UdpTracker"]

MAX_UDP_FLOWS = 100_000  # live QUIC/DTLS connection states
MAX_KEY_TRIES = 8  # Initial key derivations per connection (Retry changes the DCID)
QUIC_IDLE = 120.0  # seconds of silence after which a new client Initial is a new connection
SPACES = ("Initial", "Handshake")
SIDES: tuple[Side, Side] = ("client", "server")
transport_error_name = q.transport_error_name


def _flow_session(k: tuple, frame: int, ts: float, transport: str) -> tuple[Session, tuple]:
    """A new session for the UDP flow *k* (its sender is the client), and the flow's key in
    the other direction."""
    key, sport, dport = k
    n = len(key) // 2
    session = Session(
        id=0,
        client=Endpoint(format_ip(key[:n]), sport),
        server=Endpoint(format_ip(key[n:]), dport),
        first_frame=frame,
        last_frame=frame,
        start=ts,
        end=ts,
        transport=transport,
    )
    return session, (key[n:] + key[:n], dport, sport)


class _Quic:
    """One QUIC connection: keys, packet-number state, CRYPTO streams, the session."""

    __slots__ = (
        "keys",
        "client_dir",
        "builder",
        "info",
        "odcid",
        "initial",
        "key_tries",
        "largest",
        "streams",
        "hs_keys",
        "hs_packets",
        "hs_event",
        "short",
        "last_long",
        "last_side_frame",
        "end",
        "established_frame",
        "version_negotiated",
        "dropped_noted",
        "client_hs_frame",
        "client_hs_len",
        "client_hs_time",
        "app_keys",
        "shown",
        "final",
    )

    def __init__(self, keys: tuple, client_dir: int, builder: SessionBuilder, info: QuicInfo):
        self.keys = keys
        self.client_dir = client_dir
        self.builder = builder
        self.info = info
        self.odcid = b""
        self.initial: tuple[q.PacketKeys, q.PacketKeys] | None = None
        self.key_tries = 0
        self.largest = [[-1, -1, -1], [-1, -1, -1]]  # [side][Initial, Handshake, 1-RTT]
        self.streams = [[q.CryptoStream(), q.CryptoStream()], [q.CryptoStream(), q.CryptoStream()]]
        self.hs_keys: list[q.PacketKeys | None] | None = None  # [client, server], once known
        self.hs_packets = [0, 0]
        self.hs_event: list[Event | None] = [None, None]
        self.short = [0, 0]  # 1-RTT packets per side
        self.last_long = [("", 0, 0), ("", 0, 0)]  # (type, frame, length): each side's last
        self.last_side_frame = [0, 0]
        self.end = 0.0
        self.established_frame = 0
        self.version_negotiated = False
        self.dropped_noted = False
        # The client's last Handshake packet keys could not open before its first 1-RTT one
        # (the same datagram included): the one that carried its Finished.
        self.client_hs_frame = 0
        self.client_hs_len = 0
        self.client_hs_time = 0.0
        self.app_keys: list[q.PacketKeys | None] | None = None  # 1-RTT, from the key log
        self.shown = -1  # ladder length of the last in-progress snapshot (live views)
        self.final: Session | None = None  # set once finalised


# Ethernet type, IPv4 version/IHL, total length, fragment field, protocol, then UDP ports and
# length: the common frame's headers in one unpack (as the engine does for TCP).
_eth_ip_udp = struct.Struct("!12xHBxH2xHxB10xHHH").unpack_from
_TUNNEL_PROTOS = frozenset({4, 41, 47})  # IP-in-IP, IPv6-in-IPv4, GRE
_TUNNEL_PORTS = frozenset({tunnels.VXLAN_PORT, tunnels.GENEVE_PORT})
DTLS_IDLE = 60.0  # seconds of silence after which the same 4-tuple is a new connection


class _Dtls:
    """One DTLS association: per-direction handshake reassembly, the session."""

    __slots__ = (
        "keys",
        "builder",
        "hs",
        "events",
        "ccs_seen",
        "fin_seen",
        "end",
        "dup",
        "shown",
        "final",
    )

    def __init__(self, keys: tuple, builder: SessionBuilder) -> None:
        self.keys = keys
        self.builder = builder
        self.hs = [dtls.Reassembler(), dtls.Reassembler()]
        self.events: list[dict[tuple[int, int], Event]] = [{}, {}]
        self.ccs_seen = [-1, -1]  # epoch of the last CCS shown per side
        self.fin_seen = [False, False]  # an epoch >= 1 handshake record (Finished) shown
        self.end = 0.0
        self.dup = [0, 0]  # repeated CCS/Finished records per side
        self.shown = -1  # ladder length of the last in-progress snapshot (live views)
        self.final: Session | None = None  # set once finalised


def _closed(conn: _Quic | _Dtls) -> bool:
    """The connection said it is over: a QUIC CONNECTION_CLOSE, or a DTLS alert other than a
    readable warning (a fatal one, close_notify, or one in a protected record)."""
    if isinstance(conn, _Quic):
        return conn.info.close is not None
    return any(a.level != "warning" or a.code == 0 for a in conn.builder.s.alerts)


class UdpTracker:
    """Connection tracking for UDP handshakes; ``finish()`` returns their sessions, and
    ``live_rows()`` what a live view shows of them while the capture is read."""

    def __init__(self, keys: KeyLog | None = None, live: bool = False) -> None:
        self.flows: dict[tuple, tuple[_Quic | _Dtls, int]] = {}
        self.done: list[_Quic | _Dtls] = []
        self.keylog = keys
        self.tunnels: dict[tuple, str] = {}  # flow key -> tunnel path, for flows inside one
        self.tunnel_packets = 0
        # live: connections not finalised yet, in the order they were found (live_rows)
        self.live: list[_Quic | _Dtls] | None = [] if live else None

    # -- per packet -------------------------------------------------------------------------

    def packet(
        self,
        buf,
        off: int,
        caplen: int,
        link: int,
        frame: int,
        ts: float,
        depth: int = 0,
        path: str = "",
    ):
        """Handle one frame the TCP decoder did not take.  Returns the TCP tuple of a segment
        found inside a tunnel (for the engine's TCP path), else None."""
        if link == 1 and caplen >= 42 and not depth:
            # Fast path: Ethernet + IPv4 without options + UDP, not a tunnel port: one unpack,
            # and datagrams of flows we do not follow that cannot start one cost no slicing.
            etype, vihl, total, frag, proto, sport, dport, ulen = _eth_ip_udp(buf, off)
            if etype == 0x0800 and vihl == 0x45 and not frag & 0x3FFF:
                if proto != 17:
                    if proto not in _TUNNEL_PROTOS:
                        return None
                elif dport not in _TUNNEL_PORTS and sport not in _TUNNEL_PORTS:
                    pay = off + 42
                    plen = min(ulen - 8, total - 28, caplen - 42)
                    if plen < 8:
                        return None
                    first = buf[pay]
                    if (
                        not self.flows
                        and first != 22
                        and not (first & 0xC0 == 0xC0 and plen >= 1200)
                    ):
                        return None
                    return self._udp(
                        buf, (buf[off + 26 : off + 34], sport, dport), pay, plen, frame, ts, path
                    )
        inner = tunnels.decap(buf, off, caplen, link)
        if inner is not None:
            if depth >= tunnels.MAX_DEPTH:
                return None
            start, stop, ilink, name = inner
            path = f"{path} > {name}" if path else name
            self.tunnel_packets += 1
            r = decode_tcp(buf, start, stop - start, ilink, stop - start)
            if r.__class__ is tuple:
                k = (r[0], r[1], r[2])
                if k not in self.tunnels and len(self.tunnels) < 2 * MAX_UDP_FLOWS:
                    self.tunnels[k] = path
                return r
            if r is None:
                return self.packet(buf, start, stop - start, ilink, frame, ts, depth + 1, path)
            return None
        r = decode_udp(buf, off, caplen, link)
        if r is None:
            return None
        key, sport, dport, pay, plen = r
        if plen < 8:
            return None
        return self._udp(buf, (key, sport, dport), pay, plen, frame, ts, path)

    def _udp(self, buf, k: tuple, pay: int, plen: int, frame: int, ts: float, path: str):
        """One UDP datagram of flow *k*: an existing QUIC/DTLS connection, or the start of one."""
        if path and k not in self.tunnels and len(self.tunnels) < 2 * MAX_UDP_FLOWS:
            self.tunnels[k] = path
        ent = self.flows.get(k)
        first = buf[pay]
        if ent is not None:
            conn, d = ent
            if conn.__class__ is _Dtls:
                if ts - conn.end > DTLS_IDLE and dtls.looks_like_dtls_client_hello(buf, pay, plen):
                    self._retire(conn)
                elif conn.final is not None:
                    return self._after_final(conn, frame, ts)
                else:
                    self._dtls(conn, d, bytes(buf[pay : pay + plen]), frame, ts)
                    return None
            elif first & 0x80 and conn.end and ts - conn.end > QUIC_IDLE:
                self._retire(conn)
            elif conn.final is not None:
                return self._after_final(conn, frame, ts)
            else:
                self._quic(conn, d, bytes(buf[pay : pay + plen]), frame, ts)  # type: ignore[arg-type]
                return None
        if first & 0xC0 == 0xC0 and plen >= 1200:
            self._maybe_quic(k, bytes(buf[pay : pay + plen]), frame, ts)
        elif first == 22 and dtls.looks_like_dtls_client_hello(buf, pay, plen):
            if len(self.flows) < 2 * MAX_UDP_FLOWS:
                self._new_dtls(k, bytes(buf[pay : pay + plen]), frame, ts)
        return None

    @staticmethod
    def _after_final(conn: _Quic | _Dtls, frame: int, ts: float) -> None:
        """A datagram of a connection a live view already finalised (live_rows): it only moves
        the session's last frame, as a late packet of a finalised TCP connection does."""
        s = conn.builder.s
        s.last_frame = frame
        s.end = ts
        conn.end = ts

    def note_tunnel(self, flow_keys: tuple, session: Session) -> None:
        """Name the tunnel a session's packets came through (in its notes)."""
        for k in flow_keys:
            path = self.tunnels.get(k)
            if path is not None:
                session.malformed.insert(0, f"inside a tunnel: {path} (inner addresses shown)")
                return

    def _maybe_quic(self, k: tuple, data: bytes, frame: int, ts: float) -> None:
        """A long-header datagram of client-Initial size on a new flow: open it to decide."""
        hdr = q.parse_long_header(data)
        if hdr is None or hdr.ptype != q.INITIAL or len(self.flows) >= 2 * MAX_UDP_FLOWS:
            return
        keys = q.initial_keys(hdr.dcid, hdr.version)
        if keys is None:
            return
        opened = q.unprotect(data, 0, hdr.pn_offset, hdr.end, keys[0])
        if opened is None:
            return  # not a client Initial (or not QUIC at all)
        session, rk = _flow_session(k, frame, ts, "quic")
        info = QuicInfo(hdr.version, client_cid=hdr.scid)
        session.quic = info
        builder = SessionBuilder(session, keep_sealed=False)
        conn = _Quic((k, rk), 0, builder, info)
        conn.odcid = hdr.dcid
        conn.initial = keys
        self.flows[k] = (conn, 0)
        self.flows[rk] = (conn, 1)
        if self.live is not None:
            self.live.append(conn)
        self._quic(conn, 0, data, frame, ts, first_opened=(hdr, opened))

    def _new_dtls(self, k: tuple, data: bytes, frame: int, ts: float) -> None:
        session, rk = _flow_session(k, frame, ts, "udp")
        builder = SessionBuilder(session, keep_sealed=self.keylog is not None)
        conn = _Dtls((k, rk), builder)
        self.flows[k] = (conn, 0)
        self.flows[rk] = (conn, 1)
        if self.live is not None:
            self.live.append(conn)
        self._dtls(conn, 0, data, frame, ts)

    # -- DTLS -------------------------------------------------------------------------------

    def _dtls(self, conn: _Dtls, side: int, data: bytes, frame: int, ts: float) -> None:
        """Records of one datagram (the client is direction 0: it sent the ClientHello)."""
        b = conn.builder
        s = b.s
        s.last_frame = frame
        s.end = ts
        conn.end = ts
        for rtype, version, epoch, _seq, body in dtls.records(data):
            if rtype == 22 and epoch == 0:
                for frag in dtls.fragments(body):
                    done = conn.hs[side].add(frag, frame)
                    if done is None:
                        continue
                    mtype, mseq, mbody, first_frame = done
                    before = len(s.events)
                    b.on_handshake(side, mtype, mbody, version, frame, first_frame, ts)
                    if len(s.events) > before:
                        conn.events[side][(mseq, mtype)] = s.events[-1]
                continue
            if rtype == 20:
                if conn.ccs_seen[side] == epoch:
                    conn.dup[side] += 1  # a retransmitted flight
                    continue
                conn.ccs_seen[side] = epoch
            elif rtype == 22:
                if conn.fin_seen[side]:
                    conn.dup[side] += 1
                    continue
                conn.fin_seen[side] = True
            elif rtype == 21:
                # The epoch says whether the alert is protected (no CCS needed to know).
                b.enc[side] = epoch > 0
            sealed_before = b.sealed_count[side]
            b.on_record(side, rtype, version, len(body), body, frame, frame, ts)
            rec = b.last_rec[side]
            if b.sealed_count[side] != sealed_before and rec is not None:
                # Key-log decryption needs the record's own epoch and sequence number.
                rec.index = (epoch << 48) | _seq

    def _finish_dtls(self, conn: _Dtls) -> Session:
        b = conn.builder
        s = b.s
        for side in (CLIENT, SERVER):
            r = conn.hs[side]
            for ident, count in r.retransmits.items():
                ev = conn.events[side].get(ident)
                if ev is not None:
                    extra = f"retransmitted {count}x"
                    ev.note = f"{ev.note}; {extra}" if ev.note else extra
            if r.partial:
                b._note(
                    f"{SIDES[side]}: {len(r.partial)} DTLS handshake message(s) never complete "
                    "(fragments missing from the capture)"
                )
            if conn.dup[side]:
                b._note(
                    f"{SIDES[side]}: {conn.dup[side]} retransmitted ChangeCipherSpec/Finished "
                    "record(s) shown once"
                )
        if self.keylog is not None:
            # Imported here: decryption loads cryptography, needed only with a key log.
            from tlstui.analysis.decrypt import decrypt_session

            decrypt_session(b, self.keylog)
        b.finish()
        s.transport = "udp"
        return s

    def _retire(self, conn: _Quic | _Dtls) -> None:
        for kk in conn.keys:
            ent = self.flows.get(kk)
            if ent is not None and ent[0] is conn:
                del self.flows[kk]
        self.done.append(conn)

    # -- QUIC -------------------------------------------------------------------------------

    def _quic(
        self,
        conn: _Quic,
        d: int,
        data: bytes,
        frame: int,
        ts: float,
        first_opened: tuple[q.LongHeader, tuple[int, bytes]] | None = None,
    ) -> None:
        side = d ^ conn.client_dir
        s = conn.builder.s
        s.last_frame = frame
        s.end = ts
        conn.end = ts
        conn.last_side_frame[side] = frame
        pos = 0
        n = len(data)
        hops = 0
        while pos < n and hops < 16:
            hops += 1
            first = data[pos]
            if not first & 0x80:
                if first & 0x40:
                    conn.short[side] += 1
                    if conn.short[side] == 1:
                        conn.builder._event(
                            side,
                            "ApplicationData",
                            frame,
                            ts,
                            encrypted=True,
                            length=n - pos,
                            note="QUIC 1-RTT (short header) packet",
                        )
                    if conn.app_keys is not None and not conn.info.close:
                        self._short_packet(conn, side, data, pos, frame, ts)
                return  # a short header runs to the end of the datagram
            hdr: q.LongHeader | None
            opened: tuple[int, bytes] | None
            if first_opened is not None:
                hdr, opened = first_opened
                first_opened = None
            else:
                hdr = q.parse_long_header(data, pos)
                if hdr is None:
                    return
                opened = None
            if hdr.ptype == "VersionNegotiation":
                self._version_negotiation(conn, side, hdr, frame, ts)
                return
            if hdr.ptype == q.RETRY:
                self._retry(conn, side, hdr, data[pos : hdr.end], frame, ts)
                return
            if side == SERVER and not conn.info.server_cid and hdr.scid:
                conn.info.server_cid = hdr.scid
            if hdr.version != conn.info.version and side == SERVER:
                conn.info.version = hdr.version  # compatible version negotiation (v1 -> v2)
                conn.initial = q.initial_keys(conn.odcid, hdr.version)
            conn.last_long[side] = (hdr.ptype, frame, hdr.end - pos)
            if hdr.ptype == q.INITIAL:
                if opened is None:
                    opened = self._open_initial(conn, side, hdr, data, pos)
                if opened is not None:
                    self._payload(conn, side, 0, opened, hdr.ptype, frame, ts)
            elif hdr.ptype == q.HANDSHAKE:
                self._handshake_packet(conn, side, hdr, data, pos, frame, ts)
            pos = hdr.end
            while pos < n and data[pos] == 0:
                pos += 1  # padding after coalesced packets

    def _open_initial(
        self, conn: _Quic, side: int, hdr: q.LongHeader, data: bytes, pos: int
    ) -> tuple[int, bytes] | None:
        largest = conn.largest[side][0]
        if conn.initial is not None:
            r = q.unprotect(data, pos, hdr.pn_offset, hdr.end, conn.initial[side], largest)
            if r is not None:
                conn.largest[side][0] = max(largest, r[0])
                return r
        if side == CLIENT and conn.key_tries < MAX_KEY_TRIES and hdr.dcid != conn.odcid:
            # After a Retry the client's Initials use the Retry's connection id.
            conn.key_tries += 1
            keys = q.initial_keys(hdr.dcid, hdr.version)
            if keys is not None:
                r = q.unprotect(data, pos, hdr.pn_offset, hdr.end, keys[0], -1)
                if r is not None:
                    conn.initial = keys
                    conn.odcid = hdr.dcid
                    conn.largest[CLIENT][0] = r[0]
                    return r
        return None

    def _payload(
        self,
        conn: _Quic,
        side: int,
        space: int,
        opened: tuple[int, bytes],
        ptype: str,
        frame: int,
        ts: float,
    ) -> None:
        b = conn.builder
        frames = q.parse_frames(opened[1])
        if frames.error and not frames.crypto and frames.close is None:
            b._note(f"frame {frame}: QUIC {ptype} packet: {frames.error}")
        stream = conn.streams[side][space]
        for offset, chunk in sorted(frames.crypto):
            for mtype, body, first_frame in stream.add(offset, chunk, frame):
                before = len(b.s.events)
                b.on_handshake(side, mtype, body, 0x0303, frame, first_frame, ts)
                if len(b.s.events) > before:
                    b.s.events[-1].note = f"QUIC {ptype}"
                    if space:
                        b.s.events[-1].encrypted = True
                if mtype == 2 and space == 0:
                    self._handshake_keys(conn)
                elif mtype == 8 and b.s.server_hello is not None:
                    alpn = alpn_of_extensions(body)
                    if alpn is not None:
                        b.s.server_hello.alpn = alpn
        if stream.dropped and not conn.dropped_noted:
            conn.dropped_noted = True
            b._note(f"frame {frame}: QUIC CRYPTO data beyond the reassembly bounds ignored")
        if frames.close is not None:
            self._close(conn, side, frames.close, ptype, frame, ts)

    def _short_packet(self, conn: _Quic, side: int, data: bytes, pos: int, frame, ts) -> None:
        """With the key log's traffic secrets, read a 1-RTT packet for a CONNECTION_CLOSE (an
        application or transport close after the handshake).  Key updates are not followed."""
        keys = conn.app_keys[side] if conn.app_keys is not None else None
        # The Destination Connection ID is the one the receiver chose.
        dcid_len = len(conn.info.server_cid if side == CLIENT else conn.info.client_cid)
        if keys is None or pos + 1 + dcid_len + 20 > len(data):
            return
        largest = conn.largest[side][2]
        r = q.unprotect(data, pos, pos + 1 + dcid_len, len(data), keys, largest)
        if r is None:
            return
        conn.largest[side][2] = max(largest, r[0])
        frames = q.parse_frames(r[1], short=True)
        if frames.close is not None:
            self._close(conn, side, frames.close, "1-RTT", frame, ts)

    def _handshake_keys(self, conn: _Quic) -> None:
        """With a key log, derive both sides' Handshake packet keys (once the suite is known)."""
        if self.keylog is None or conn.hs_keys is not None:
            return
        s = conn.builder.s
        ch = s.client_hello
        if ch is None or s.cipher_suite is None:
            return
        secrets = self.keylog.secrets(ch.random)
        cs = secrets.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET")
        ss = secrets.get("SERVER_HANDSHAKE_TRAFFIC_SECRET")
        if cs is None or ss is None:
            return
        conn.hs_keys = [
            q.packet_keys(cs, conn.info.version, s.cipher_suite),
            q.packet_keys(ss, conn.info.version, s.cipher_suite),
        ]
        ca = secrets.get("CLIENT_TRAFFIC_SECRET_0")
        sa = secrets.get("SERVER_TRAFFIC_SECRET_0")
        if ca is not None and sa is not None:
            conn.app_keys = [
                q.packet_keys(ca, conn.info.version, s.cipher_suite),
                q.packet_keys(sa, conn.info.version, s.cipher_suite),
            ]

    def _handshake_packet(
        self, conn: _Quic, side: int, hdr: q.LongHeader, data: bytes, pos: int, frame: int, ts
    ) -> None:
        conn.hs_packets[side] += 1
        b = conn.builder
        keys = conn.hs_keys[side] if conn.hs_keys is not None else None
        if keys is not None:
            largest = conn.largest[side][1]
            r = q.unprotect(data, pos, hdr.pn_offset, hdr.end, keys, largest)
            if r is not None:
                conn.largest[side][1] = max(largest, r[0])
                b.decrypted = True
                self._payload(conn, side, 1, r, q.HANDSHAKE, frame, ts)
                return
        if side == CLIENT:
            # Without keys a client Handshake packet may hold an ACK, its Finished or a
            # CONNECTION_CLOSE: named at the end, once 1-RTT traffic (or none) tells which.
            # The Finished is in the last one before the client's first 1-RTT packet (an
            # earlier one may carry only ACKs; a packet coalesced with that 1-RTT packet
            # comes before it in the datagram).
            if not conn.short[CLIENT]:
                conn.client_hs_frame = frame
                conn.client_hs_len = hdr.end - pos
                conn.client_hs_time = ts
            return
        if conn.hs_event[side] is None:
            conn.hs_event[side] = b._event(
                side,
                "EncryptedHandshake",
                frame,
                ts,
                encrypted=True,
                length=hdr.end - pos,
                note="QUIC Handshake packet (protected; a key log opens it)",
            )

    def _close(self, conn: _Quic, side: int, close: q.Close, ptype: str, frame: int, ts) -> None:
        b = conn.builder
        s = b.s
        if conn.info.close is not None and not conn.info.close.encrypted:
            return  # the first readable close is the one that ended the connection
        alert = close.tls_alert
        reason = close.reason[:200].decode("utf-8", "replace")
        conn.info.close = QuicClose(
            frame,
            SIDES[side],
            ptype,
            close.error_code,
            close.frame_type,
            alert,
            reason,
            False,
        )
        kind = "transport" if close.frame_kind == 0x1C else "application"
        code = (
            transport_error_name(close.error_code) if kind == "transport" else hex(close.error_code)
        )
        note = f"QUIC CONNECTION_CLOSE ({kind}) in {ptype}: {code}" + (
            f", reason {reason!r}" if reason else ""
        )
        # Initial packets are protected with keys anyone derives from the packet itself; a
        # close in a Handshake or 1-RTT packet was read with the key log (as a TCP alert in an
        # encrypted record is).
        sealed = ptype not in (q.INITIAL, q.RETRY)
        if alert is not None:
            s.alerts.append(
                Alert(
                    frame, ts, SIDES[side], "fatal", alert, names.alert_name(alert), sealed, sealed
                )
            )
            b._event(
                side, "Alert", frame, ts, detail=AlertMsg(2, alert), encrypted=sealed, note=note
            )
        else:
            b._event(side, "ConnectionClose", frame, ts, note=note)

    def _retry(self, conn: _Quic, side: int, hdr: q.LongHeader, pkt: bytes, frame, ts) -> None:
        if side != SERVER:
            return
        conn.info.retries += 1
        ok = q.retry_integrity_ok(pkt, conn.odcid, hdr.version)
        conn.builder._event(
            side,
            "Retry",
            frame,
            ts,
            length=len(pkt),
            note=f"QUIC Retry (token {len(hdr.token)} bytes, new connection id "
            f"{hdr.scid.hex()}{'' if ok else ', integrity tag does not verify'})",
        )
        # The client answers with a new Initial to the Retry's connection id; reset the
        # client's Initial packet numbering is not needed (it continues), keys change.
        conn.key_tries = max(0, conn.key_tries - 1)

    def _version_negotiation(self, conn: _Quic, side: int, hdr: q.LongHeader, frame, ts) -> None:
        if side != SERVER:
            return
        conn.info.version_negotiation = hdr.versions
        conn.version_negotiated = True
        offered = ", ".join(q.version_hex(v) for v in hdr.versions[:8])
        conn.builder._event(
            side,
            "VersionNegotiation",
            frame,
            ts,
            note=f"QUIC Version Negotiation: server supports {offered}",
        )

    # -- the end ----------------------------------------------------------------------------

    def finish(self) -> list[Session]:
        """Every session, final: those live_rows finalised already as they were."""
        seen: set[int] = set()
        out: list[Session] = []
        for conn in self.done + [c for c, _d in self.flows.values()]:
            if id(conn) in seen:
                continue
            seen.add(id(conn))
            out.append(self._final(conn))
        return out

    def _final(self, conn: _Quic | _Dtls) -> Session:
        """Finalise *conn* once (a second call returns the same session)."""
        if conn.final is None:
            if isinstance(conn, _Dtls):
                sess = self._finish_dtls(conn)
            else:
                sess = self._finish_quic(conn)
            if self.tunnels:
                self.note_tunnel(conn.keys, sess)
            conn.final = sess
        return conn.final

    def live_rows(
        self,
        next_id: Callable[[], int],
        latest: float,
        idle: float | None = None,
        grace: float = 1.0,
        silence: float = 5.0,
    ) -> tuple[list[Session], list[Session]]:
        """What a live view shows of QUIC and DTLS connections found so far: ``(ended,
        snapshots)``.

        A connection that is over is finalised now and listed in *ended*: retired (its
        4-tuple started a new one after an idle time), closed (a QUIC CONNECTION_CLOSE or a
        DTLS alert that ends it) and quiet for *grace* seconds, or silent for *silence*
        seconds (QUIC has no FIN; a refusal inside protected packets shows only as silence).
        Closed and silent apply to a live input (*idle*: wall time without new data, not
        None), where quiet is the longer of capture time since its last datagram (*latest*
        is the newest packet's time) and *idle*; a file read whole ends them at its end, so
        its view ends with the report ``--json`` gives.  Later datagrams of a finalised connection
        only move its last frame (``_after_final``).  An open one whose ladder grew since the
        last call is copied as an in-progress snapshot (the scan goes on writing to the
        original).  A session gets a stream id from *next_id* when first shown, like a TCP
        session when it is recognised; the final report renumbers both by first frame.
        """
        ended: list[Session] = []
        snapshots: list[Session] = []
        if not self.live:
            return ended, snapshots
        open_: list[_Quic | _Dtls] = []
        for conn in self.live:
            s = conn.builder.s
            if not s.id:
                s.id = next_id()
            retired = self.flows.get(conn.keys[0], (None, 0))[0] is not conn
            over = retired
            if idle is not None and not over:
                # A live input only: reading a whole file, later datagrams are known soon
                # enough, and a view of the file must end with the report --json gives.
                quiet = max(latest - conn.end, idle)
                over = quiet >= silence or (quiet >= grace and _closed(conn))
            if over:
                ended.append(self._final(conn))
                continue
            open_.append(conn)
            n = len(s.events)
            if n != conn.shown:
                conn.shown = n
                snapshots.append(s.in_progress_copy())
        self.live = open_
        return ended, snapshots

    def _finish_quic(self, conn: _Quic) -> Session:
        b = conn.builder
        s = b.s
        for side in (CLIENT, SERVER):
            for space in (0, 1):
                st = conn.streams[side][space]
                if st.waiting:
                    b._note(
                        f"{SIDES[side]} {SPACES[space]} CRYPTO data incomplete at the end "
                        f"of the capture ({len(st.buf)} bytes of an unfinished message, "
                        f"{len(st.pending)} out-of-order pieces)"
                    )
        if conn.client_hs_frame and conn.short[CLIENT]:
            # The client went on to 1-RTT: its Handshake packets carried its Finished.
            ev = b._event(
                CLIENT,
                "EncryptedHandshake",
                conn.client_hs_frame,
                conn.client_hs_time,
                encrypted=True,
                length=conn.client_hs_len,
                note="QUIC Handshake packet: the client's Finished (protected)",
            )
            if ev is not None and s.events[-1] is ev:
                # Named only now: its place is before what came later, and before the 1-RTT
                # packet it shares a datagram with (that one follows it in the datagram).
                s.events.pop()
                at = next(
                    (
                        i
                        for i, e in enumerate(s.events)
                        if e.frame > ev.frame
                        or (
                            e.frame == ev.frame
                            and e.sender == "client"
                            and e.type == "ApplicationData"
                        )
                    ),
                    len(s.events),
                )
                s.events.insert(at, ev)
        b.finish()
        s.transport = "quic"
        if s.ja4 is not None and s.ja4.startswith("t"):
            s.ja4 = "q" + s.ja4[1:]  # JA4's first character names the protocol: q = QUIC
        info = conn.info
        close = info.close
        error_close = close is not None and (
            close.tls_alert is not None or (close.error_code or 0) != 0
        )
        if close is None and not (conn.short[CLIENT] and conn.short[SERVER]):
            self._infer_encrypted_close(conn)
            close = info.close
        if b.decrypted and b.finished[CLIENT] and b.finished[SERVER]:
            established = not error_close
        else:
            # The client sends 1-RTT packets only once it has checked the server's flight
            # and sent its Finished (RFC 9001 4.1.2).
            established = conn.short[CLIENT] > 0 and s.server_hello is not None
            if error_close and close is not None and close.frame <= self._first_short_frame(conn):
                established = False
        s.established = established
        if close is not None and (error_close or close.encrypted) and not established:
            s.status = "failed"
        elif established:
            s.status = "ok"
        elif conn.version_negotiated and s.server_hello is None:
            s.status = "failed"
        else:
            s.status = "incomplete"
        return s

    def _first_short_frame(self, conn: _Quic) -> int:
        for ev in conn.builder.s.events:
            if ev.type == "ApplicationData" and ev.sender == "client":
                return ev.frame
        return 1 << 62

    def _infer_encrypted_close(self, conn: _Quic) -> None:
        """Without keys: a side whose last word was a Handshake packet after the peer's flight,
        with no 1-RTT traffic from it, most likely closed the connection (CONNECTION_CLOSE
        in a Handshake packet).  Stated as likely, like an encrypted TLS 1.3 alert."""
        b = conn.builder
        s = b.s
        if s.server_hello is None or b.decrypted:
            return
        for side in (CLIENT, SERVER):
            ptype, frame, plen = conn.last_long[side]
            other = side ^ 1
            if (
                ptype == q.HANDSHAKE
                and conn.short[side] == 0
                and frame >= conn.last_side_frame[other]
                and conn.hs_packets[other] > 0
                and frame == conn.last_side_frame[side]
            ):
                conn.info.close = QuicClose(
                    frame, SIDES[side], q.HANDSHAKE, None, None, None, "", True
                )
                s.alerts.append(Alert(frame, s.end, SIDES[side], None, None, None, True, False, 0))
                ev = b._event(
                    side,
                    "Alert",
                    frame,
                    s.end,
                    encrypted=True,
                    length=plen,
                    note="last QUIC Handshake packet before silence: likely a CONNECTION_CLOSE "
                    "(protected; a key log would show its error code)",
                )
                if ev is not None:
                    s.events.sort(key=lambda e: e.frame)
                return
