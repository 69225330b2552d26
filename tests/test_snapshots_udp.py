"""Snapshots of QUIC and DTLS sessions: the transport in the sessions pane (``Q1.3``,
``D1.2``, ``QUIC 1.3``) and QUIC packet types in the ladder (``[Initial]``, ``[Handshake]``).
Update with ``pytest tests/test_snapshots_udp.py --snapshot-update`` and look at each SVG."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.test_snapshots import NARROW, WIDE, app, loaded, open_ladder_at

UDP = Path("captures/udp")


def test_quic_encrypted_close_80x24(snap_compare) -> None:
    """A QUIC client rejecting the server's certificate, without keys: the close in a
    Handshake packet is a likely alert, the cause medium."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        await open_ladder_at(pilot, lambda e: e.type == "Alert")

    source = UDP / "quic-untrusted-ca.pcap"
    assert snap_compare(app(source, keylog=False), terminal_size=NARROW, run_before=run_before)


def test_quic_ladder_with_keys_160x48(snap_compare) -> None:
    """A QUIC handshake opened with its key log: every message with its packet type."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        await open_ladder_at(pilot, lambda e: e.type == "Certificate")

    assert snap_compare(app(UDP / "quic-ok.pcap"), terminal_size=WIDE, run_before=run_before)


def test_dtls_alert_80x24(snap_compare) -> None:
    """DTLS 1.2 with a cookie exchange and a plaintext unknown_ca alert."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        await open_ladder_at(pilot, lambda e: e.type == "Alert")

    assert snap_compare(
        app(UDP / "dtls12-untrusted-ca.pcap"), terminal_size=NARROW, run_before=run_before
    )


def _version_negotiation(snap_compare, size: tuple[int, int]) -> bool:
    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)

    source = UDP / "quic-version-negotiation.pcap"
    return snap_compare(app(source, keylog=False), terminal_size=size, run_before=run_before)


def test_quic_version_negotiation_80x24(snap_compare) -> None:
    """The server answered with Version Negotiation: the sessions pane says so (not "no
    reply", which would point at a firewall)."""
    assert _version_negotiation(snap_compare, NARROW)


def test_quic_version_negotiation_160x48(snap_compare) -> None:
    """The same at full size: the detail shows the outcome and the server's versions."""
    assert _version_negotiation(snap_compare, WIDE)
