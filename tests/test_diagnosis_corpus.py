"""Diagnoses of failed sessions in the public corpus (skipped without ../shared)."""

from __future__ import annotations

import warnings

import pytest
from conftest import CORPUS

from tlstui.analysis.engine import analyze

pytestmark = pytest.mark.corpus


def only_failed(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = analyze(CORPUS / name)
    failed = [s for s in report.sessions if s.status != "ok"]
    assert len(failed) == 1
    return failed[0].diagnosis.best


def test_heartbleed_probe_is_named_not_blamed_on_the_certificate() -> None:
    c = only_failed("zeek/tls/heartbleed.pcap")
    assert c.cause == "abrupt_close" and c.confidence == "high"
    assert "Heartbleed" in c.summary
    assert c.evidence == [4, 19, 21]
    assert "did not answer the heartbeat" in c.explanation


def test_tls13_offer_of_only_ccm_suite() -> None:
    c = only_failed("hotplace/tls13/handshake_failure.pcapng")
    assert c.cause == "no_shared_cipher" and c.confidence == "medium"
    assert "TLS_AES_128_CCM_SHA256" in c.summary
    assert c.evidence == [4, 6]


def test_plain_http_server_on_port_80() -> None:
    c = only_failed("zeek/tls/https-to-http.pcap")
    assert c.cause == "non_tls_peer" and c.confidence == "high"
    assert c.summary.startswith("The server replied in plain HTTP")
    assert "<!DOCTYPE HTML>" in c.explanation


def test_version_mismatch_example_is_not_accepted_by_the_offer():
    path = CORPUS / "zeek" / "tls" / "tls13draft16-ff52.a01-aborted.pcap"
    if not path.exists():
        pytest.skip(f"{path} missing")
    d = analyze(path).sessions[0].diagnosis.best  # type: ignore[union-attr]
    assert (d.cause, d.confidence) == ("protocol_version_mismatch", "high")
    assert "only TLS 1.0" not in d.explanation
    assert (
        "lies outside it (for example a server that accepts only TLS 1.3 as published "
        "(RFC 8446) or a draft other than TLS 1.3 (draft 16), or only SSL 3.0)"
    ) in d.explanation
