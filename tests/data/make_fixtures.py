"""Regenerate the handshake fixtures in this directory from the shared capture corpus.

    /work/venv/bin/python tests/data/make_fixtures.py [/work/shared/corpus]

For each capture listed in ``CAPTURES`` the plaintext handshake messages of the first TCP
connections are pulled out (a small TCP reassembly with dpkt, independent of tlstui's own) and
written to ``<name>.json``: the capture path, then per message its direction, record version,
handshake type and body in hex.  An SSLv2-format ClientHello is stored whole (type "sslv2").
The tests read only these JSON files, so they run without the corpus.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import dpkt

HERE = Path(__file__).resolve().parent
CORPUS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/corpus")

# fixture name -> (capture path in the corpus, handshake types to keep, max connections)
CAPTURES: dict[str, tuple[str, set[int], int]] = {
    "client_certificate": ("zeek/tls/client-certificate.pcap", {1, 2, 11, 12, 13, 4}, 1),
    "hrr": ("zeek/tls/hrr.pcap", {1, 2}, 1),
    "ja4_tls": ("suricata-verify/ja4-tls/input.pcap", {1, 2}, 1),
    "chrome_kyber": ("zeek/tls/chrome-1250-tls-x25519-kyber.pcap", {1, 2}, 1),
    "dhe": ("zeek/tls/dhe.pcap", {1, 2, 11, 12}, 1),
    "ecdhe": ("zeek/tls/ecdhe.pcap", {1, 2, 12}, 1),
    "ecdsa_cert": ("zeek/tls/ecdsa-cert.pcap", {1, 2, 11, 12}, 1),
    "sslv2": ("zeek/tls/ssl-v2.pcap", set(), 1),
    "sslv2_upgrade": ("suricata-verify/sslv2-tls-upgrade-01/ssl-v2-s1.pcap", {2}, 1),
    "tls13_psk": ("zeek/tls/tls13_psk_succesfull.pcap", {1, 2}, 1),
    "ticket12": ("zeek/tls/CVE-2015-3194.pcap", {1, 2, 4}, 1),
    "selfsign_ssl3": ("arkime/ssl-selfsign.pcap", {1, 2, 11, 13}, 1),
    "curl_tls13": ("arkime/curl-enabled-tls13.pcap", {1, 2}, 1),
    "many_extensions": ("zeek/tls/tls-conn-with-extensions.pcap", {1, 2}, 1),
    "draft19": ("zeek/tls/tls-13draft19-early-data.pcap", {1, 2}, 1),
    "draft16_aborted": ("zeek/tls/tls13draft16-ff52.a01-aborted.pcap", {1}, 1),
    "missing_intermediate": ("zeek/tls/missing-intermediate.pcap", {1, 2, 11}, 1),
    "tls10": ("arkime/openssl-tls1.pcap", {1, 2, 11, 12}, 1),
}


def _ip_packets(path: Path):
    with path.open("rb") as fh:
        reader = dpkt.pcap.UniversalReader(fh)
        link = reader.datalink()
        for _ts, buf in reader:
            try:
                if link == dpkt.pcap.DLT_EN10MB:
                    ip = dpkt.ethernet.Ethernet(buf).data
                elif link in (dpkt.pcap.DLT_NULL, dpkt.pcap.DLT_LOOP):
                    ip = dpkt.loopback.Loopback(buf).data
                elif link == dpkt.pcap.DLT_LINUX_SLL:
                    ip = dpkt.sll.SLL(buf).data
                else:  # raw IP
                    ip = dpkt.ip.IP(buf) if buf[0] >> 4 == 4 else dpkt.ip6.IP6(buf)
            except Exception:
                continue
            if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)) and isinstance(ip.data, dpkt.tcp.TCP):
                yield ip, ip.data


def _addr(ip) -> str:
    fam = socket.AF_INET if isinstance(ip, dpkt.ip.IP) else socket.AF_INET6
    return socket.inet_ntop(fam, ip.src)


def _streams(path: Path) -> dict[tuple, dict[str, bytes]]:
    """Per connection, the in-order payload of each direction (first copy of each byte)."""
    segs: dict[tuple, dict[tuple, dict[int, bytes]]] = {}
    order: list[tuple] = []
    for ip, tcp in _ip_packets(path):
        src = (_addr(ip), tcp.sport)
        dst = (
            socket.inet_ntop(
                socket.AF_INET if isinstance(ip, dpkt.ip.IP) else socket.AF_INET6, ip.dst
            ),
            tcp.dport,
        )
        key = tuple(sorted((src, dst)))
        if key not in segs:
            segs[key] = {}
            order.append(key)
        if tcp.data:
            segs[key].setdefault(src, {}).setdefault(tcp.seq, bytes(tcp.data))
    out: dict[tuple, dict[str, bytes]] = {}
    for key in order:
        dirs = {}
        for side, pieces in segs[key].items():
            data = b""
            nxt = None
            for seq in sorted(pieces):
                p = pieces[seq]
                if nxt is None:
                    nxt = seq
                if seq + len(p) <= nxt:
                    continue
                data += p[nxt - seq :] if seq < nxt else p
                nxt = seq + len(p)
            dirs[side] = data
        out[key] = dirs
    return out


def _handshakes(data: bytes) -> list[dict]:
    """Plaintext handshake messages of one direction, up to the encrypted ones."""
    msgs: list[dict] = []
    # STARTTLS and proxies: TLS begins after some plaintext; find the first hello record.
    for i in range(min(len(data), 4096)):
        sslv2 = (
            data[i] & 0x80
            and data[i + 2 : i + 3] == b"\x01"
            and data[i + 3 : i + 4] in (b"\x00", b"\x03")
        )
        if sslv2 or (data[i : i + 2] == b"\x16\x03" and data[i + 5 : i + 6] in (b"\x01", b"\x02")):
            data = data[i:]
            break
    if len(data) > 2 and data[0] & 0x80 and data[2] == 1:
        n = ((data[0] & 0x7F) << 8) | data[1]
        msgs.append({"type": "sslv2", "record_version": "0x0002", "body": data[: 2 + n].hex()})
        data = data[2 + n :]
    hs = b""
    rec_version = 0
    pos = 0
    after_ccs = False
    while pos + 5 <= len(data):
        ctype = data[pos]
        ver = int.from_bytes(data[pos + 1 : pos + 3], "big")
        n = int.from_bytes(data[pos + 3 : pos + 5], "big")
        if ctype not in (20, 21, 22, 23, 24) or pos + 5 + n > len(data):
            break
        frag = data[pos + 5 : pos + 5 + n]
        pos += 5 + n
        if ctype == 20:
            after_ccs = True
            continue
        if ctype != 22:
            continue
        if after_ccs:
            # TLS 1.3 middlebox-compatibility CCS: a plaintext ClientHello may follow (after an
            # HRR); anything else after CCS is an encrypted TLS <= 1.2 Finished.
            if not (frag[:1] == b"\x01" and int.from_bytes(frag[1:4], "big") + 4 == len(frag)):
                break
        if not hs:
            rec_version = ver
        hs += frag
        while len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            m = 4 + int.from_bytes(hs[1:4], "big")
            msgs.append(
                {"type": hs[0], "record_version": f"0x{rec_version:04x}", "body": hs[4:m].hex()}
            )
            hs = hs[m:]
            rec_version = ver
    return msgs


def main() -> None:
    for name, (rel, keep, max_conns) in CAPTURES.items():
        path = CORPUS / rel
        conns = []
        for _key, dirs in list(_streams(path).items()):
            if len(conns) >= max_conns:
                break
            entries = []
            for side, data in dirs.items():
                for m in _handshakes(data):
                    if m["type"] == "sslv2" or m["type"] in keep:
                        entries.append({"from": f"{side[0]}:{side[1]}", **m})
            if entries:
                # Client (the ClientHello sender) first.
                first = next((e["from"] for e in entries if e["type"] in (1, "sslv2")), None)
                entries.sort(key=lambda e: e["from"] != first)
                for e in entries:
                    e["dir"] = "c2s" if e["from"] == first else "s2c"
                conns.append(entries)
        out = {
            "source": f"corpus/{rel}",
            "generator": "tests/data/make_fixtures.py",
            "connections": conns,
        }
        (HERE / f"{name}.json").write_text(json.dumps(out, indent=1) + "\n")
        print(f"{name}: {sum(len(c) for c in conns)} messages")


if __name__ == "__main__":
    main()
