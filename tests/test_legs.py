"""Proxy legs: linking the client leg and the upstream leg, and the client leg's diagnosis.

The captures come from captures/generate_proxy.py (a Python ssl proxy on 127.0.0.2 in front of
openssl s_server on 127.0.0.3; the client on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessionkit import T0, Kit, report

from tlstui.analysis.diagnosis import diagnose_report
from tlstui.analysis.engine import analyze
from tlstui.analysis.legs import link_legs
from tlstui.analysis.multi import analyze_many

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
UNTRUSTED = "proxy-upstream-untrusted"
REFUSES = "proxy-client-refuses"
needs = pytest.mark.skipif(
    not (CAPTURES / f"{UNTRUSTED}-both.pcap").exists(), reason="proxy captures not present"
)


def _pair(rep):
    c = next(s for s in rep.sessions if s.server.ip == "127.0.0.2")
    u = next(s for s in rep.sessions if s.server.ip == "127.0.0.3")
    return c, u


@needs
def test_both_legs_in_one_file_upstream_failed_first() -> None:
    rep = analyze(CAPTURES / f"{UNTRUSTED}-both.pcap")
    c, u = _pair(rep)
    assert c.upstream_leg is u and u.client_leg is c
    assert u.diagnosis.best.cause == "untrusted_ca" and u.diagnosis.best.confidence == "high"
    best = c.diagnosis.best
    alert = next(a for a in u.alerts if a.code == 48)
    assert best.cause == "untrusted_ca" and best.confidence == "medium"
    assert best.rule == "proxy_upstream_failed"
    assert best.summary.startswith(f"The proxy's own connection to {u.server} failed ")
    assert best.summary.endswith(f"earlier: untrusted_ca, frame {alert.frame}")
    # The client leg's own reading stays as the next candidate: the proxy's internal_error.
    assert c.diagnosis.candidates[1].cause == "peer_internal_error"


@needs
def test_legs_in_two_files_name_the_other_file_and_its_frame() -> None:
    loaded = analyze_many(
        [CAPTURES / f"{UNTRUSTED}-client-leg.pcap", CAPTURES / f"{UNTRUSTED}-upstream-leg.pcap"]
    )
    rep = loaded.report
    assert rep is not None
    c, u = _pair(rep)
    assert c.upstream_leg is u
    alert = next(a for a in u.alerts if a.code == 48)
    assert c.diagnosis.best.summary.endswith(
        f"untrusted_ca, frame {alert.frame} of {UNTRUSTED}-upstream-leg.pcap"
    )


@needs
def test_client_refuses_the_proxy_keeps_its_own_diagnosis() -> None:
    rep = analyze(CAPTURES / f"{REFUSES}-both.pcap")
    c, u = _pair(rep)
    assert c.upstream_leg is u  # linked, but the upstream leg worked
    assert u.status == "ok"
    assert c.diagnosis.best.cause == "untrusted_ca" and c.diagnosis.best.confidence == "high"
    assert c.diagnosis.best.rule != "proxy_upstream_failed"


# --- no link when addresses, times or names do not match (hand-made ladders) -----------------


def _leg(client_ip: str, server_ip: str, t: float, sni: str = "app.example", status="failed"):
    k = Kit(t0=T0 + t, client_ip=client_ip, server_ip=server_ip).ch(sni=sni)
    k = k.alert("server", 80) if status == "failed" else k.sh()
    return k.build(status)


def test_link_needs_the_proxy_address_on_both_legs() -> None:
    c = _leg("10.0.0.1", "10.0.0.2", 0)
    u = _leg("10.0.0.2", "10.0.0.3", 0.005)
    assert link_legs(report(c, u)) == 1 and c.upstream_leg is u
    other = _leg("10.0.0.9", "10.0.0.3", 0.005)  # not from the proxy's address
    c2 = _leg("10.0.0.1", "10.0.0.2", 0)
    assert link_legs(report(c2, other)) == 0 and c2.upstream_leg is None


def test_no_link_when_the_upstream_leg_starts_after_the_client_leg_ended() -> None:
    c = _leg("10.0.0.1", "10.0.0.2", 0)
    late = _leg("10.0.0.2", "10.0.0.3", 5.0)
    early = _leg("10.0.0.2", "10.0.0.3", -5.0)
    assert link_legs(report(c, late, early)) == 0


def test_no_link_when_names_differ_or_ends_share_an_address() -> None:
    c = _leg("10.0.0.1", "10.0.0.2", 0)
    u = _leg("10.0.0.2", "10.0.0.3", 0.005, sni="other.example")
    assert link_legs(report(c, u)) == 0
    same = _leg("127.0.0.1", "127.0.0.1", 0)
    same_u = _leg("127.0.0.1", "127.0.0.1", 0.005)
    assert link_legs(report(same, same_u)) == 0


def test_client_leg_that_failed_first_is_not_blamed_on_the_upstream() -> None:
    # The upstream leg fails 20 ms after the client leg's alert: the client leg failed first.
    c = Kit(client_ip="10.0.0.1", server_ip="10.0.0.2").ch(sni="app.example").alert("client", 48)
    c = c.build("failed")
    u = Kit(t0=T0 + 0.005, client_ip="10.0.0.2", server_ip="10.0.0.3").ch(sni="app.example")
    u = u.alert("server", 40, dt=0.03).build("failed")
    c.end = T0 + 1.0
    rep = report(c, u)
    diagnose_report(rep)
    assert c.upstream_leg is u
    assert c.diagnosis.best.rule != "proxy_upstream_failed"
