"""The header never lets its first line wrap over the failure line.

The failure count is what the person opening a capture looks for first; a long file name
(or a live capture's size, counts and age) must be shortened, not wrapped, so the second line
still reaches the screen.
"""

from __future__ import annotations

from conftest import CAPTURES

from tlstui.analysis.engine import Progress, analyze
from tlstui.analysis.multi import analyze_many
from tlstui.ui.widgets.summary import ellipsize, progress_text, summary_text

LONG = CAPTURES / "go-client-untrusted-ca-tls13-then-tls12.pcap"


def test_ellipsize_keeps_start_and_end() -> None:
    name = "go-client-untrusted-ca-tls13-then-tls12.pcap"
    assert ellipsize(name, 80) == name
    short = ellipsize(name, 20)
    assert short == "go-client-…ls12.pcap"
    assert len(short) == 20
    assert ellipsize(name, 1) == "…"


def test_long_name_is_shortened_so_the_failures_show_at_60_columns() -> None:
    report = analyze(LONG)
    lines = summary_text(report, width=58).plain.split("\n")
    assert lines == [
        "go-client-untrus…then-tls12.pcap · 22 packets · 2 sessions",
        "keys: 1 decrypted · 2 failed: 2 untrusted_ca",
    ]


def test_long_name_fits_whole_at_80_columns() -> None:
    lines = summary_text(analyze(LONG), width=78).plain.split("\n")
    assert lines == [
        "go-client-untrusted-ca-tls13-then-tls12.pcap · 22 packets · 2 sessions",
        "keys: 1 decrypted · 2 failed: 2 untrusted_ca",
    ]


def test_very_narrow_drops_the_packet_count_before_the_sessions() -> None:
    lines = summary_text(analyze(LONG), width=40).plain.split("\n")
    assert lines == [
        "go-client-unt…en-tls12.pcap · 2 sessions",
        "keys: 1 decrypted · 2 failed: 2 untrust…",
    ]


def test_two_captures_at_60_columns_keep_the_failures() -> None:
    report = analyze_many(
        [
            CAPTURES / "proxy-upstream-untrusted-client-leg.pcap",
            CAPTURES / "proxy-upstream-untrusted-upstream-leg.pcap",
        ]
    ).report
    assert report is not None
    lines = summary_text(report, width=58).plain.split("\n")
    assert lines == [
        "proxy-upstre…nt-leg.pcap +1 more · 19 packets · 2 sessions",
        "keys: 1 decrypted · 2 failed: 2 untrusted_ca",
    ]


def test_live_line_drops_the_size_before_the_age_of_the_last_packet() -> None:
    live = Progress(12_345, None, 131, 11, 0.0, True, 11.2)
    assert progress_text("live.pcap", live) == progress_text("live.pcap", live, None)
    assert (
        progress_text("live.pcap", live, 78).plain
        == "Following live.pcap · 131 packets · 11 sessions · last packet 11 s ago"
    )
    assert progress_text("live.pcap", live, 200).plain == (
        "Following live.pcap · 0.0 MB · 131 packets · 11 sessions · last packet 11 s ago"
    )
