"""Negotiation rules: versions, fallback, suites, groups, SNI, ALPN."""

from __future__ import annotations

import pytest
from conftest import CAPTURES
from sessionkit import T0, Kit, client_hello, diag, ok_tls12, ok_tls13, report, run, server_hello

import tlstui.analysis.diagnosis as d
from tlstui.analysis import engine
from tlstui.analysis.diagnosis import rules_hello as rh

LEGACY_SUITES = [0x000A, 0x0005, 0x002F, 0x0035]


# --- protocol_version_mismatch -----------------------------------------------------------------


def test_version_70_old_client():
    s = Kit().ch(versions=[], legacy=0x0301, suites=LEGACY_SUITES).alert("server", 70).build()
    d = diag(s)
    assert d.best.cause == "protocol_version_mismatch"
    assert d.best.confidence == "high"
    assert d.best.fault == "client"
    assert d.best.evidence == [4, 5]
    assert d.best.rule == "protocol_version_mismatch"
    assert "TLS 1.0" in d.best.summary and "RFC 8996" in d.best.explanation


def test_version_70_tls13_only_client():
    s = Kit().ch(versions=[0x0304]).alert("server", 70).build()
    c = diag(s).best
    assert (c.cause, c.confidence, c.fault) == ("protocol_version_mismatch", "high", "server")
    assert "only TLS 1.3" in c.summary


def test_version_70_uses_success_of_same_server():
    bad = Kit().ch(versions=[0x0304]).alert("server", 70).build()
    good = (
        Kit(frame=20, client_port=50001)
        .ch(versions=[0x0303], legacy=0x0303)
        .sh(version=0x0303, suite=0xC02F)
        .build(status="ok")
    )
    rep = report(bad, good)
    c = diag(bad, rep).best
    assert "session #2" in c.explanation and 21 in c.evidence


def test_version_client_refuses_server_choice():
    s = (
        Kit()
        .ch(versions=[0x0304, 0x0303])
        .sh(version=0x0301, suite=0x002F)
        .alert("client", 70)
        .build()
    )
    d = diag(s)
    assert d.best.cause == "protocol_version_mismatch"
    assert d.best.fault == "server"
    assert d.best.evidence == [4, 5, 6]
    # The ServerHello says TLS 1.2 (legacy_version), offered: the client's minimum is higher.
    assert (d.best.confidence, d.best.rule) == ("high", "version_below_client_minimum")
    assert "refuses TLS 1.2" in d.best.summary


def test_version_chosen_but_not_offered():
    # A TLS 1.3-only client gets a TLS 1.2 ServerHello and refuses it.
    s = Kit().ch(versions=[0x0304]).sh(version=0x0303, suite=0xC02F).alert("client", 70).build()
    c = diag(s).best
    assert (c.cause, c.confidence, c.fault) == ("protocol_version_mismatch", "high", "server")
    assert c.rule == "version_not_offered"
    assert "TLS 1.2, which the client did not offer" in c.summary


def test_version_downgrade_sentinel():
    s = Kit().ch().sh(version=0x0303, suite=0xC02F, sentinel="TLS 1.2").alert("client", 47).build()
    c = diag(s).best
    assert c.cause == "protocol_version_mismatch" and c.fault == "path"
    assert (c.confidence, c.rule) == ("high", "version_downgrade_sentinel")
    assert "sentinel" in c.summary


def test_version_legacy_renegotiation():
    s = (
        Kit()
        .ch(versions=[], suites=[0xC02F, 0x00FF])
        .sh(version=0x0303, suite=0xC02F)
        .alert("client", 40)
        .build()
    )
    c = diag(s).best
    assert c.cause == "protocol_version_mismatch" and c.confidence == "medium"
    assert c.rule == "no_secure_renegotiation"
    assert "renegotiation" in c.summary


def test_version_40_with_old_offer_is_low_and_loses_to_cipher():
    s = Kit().ch(versions=[], legacy=0x0301, suites=LEGACY_SUITES).alert("server", 40).build()
    d = diag(s)
    assert d.best.cause == "no_shared_cipher"
    versions = [c for c in d.candidates if c.cause == "protocol_version_mismatch"]
    assert versions and versions[0].confidence == "low"


def test_version_silent_close_old_offer_is_medium():
    s = Kit().ch(versions=[], legacy=0x0302, suites=[0xC013]).fin("server").build()
    d = diag(s)
    assert d.best.cause == "protocol_version_mismatch"
    assert d.best.confidence == "medium"


def test_version_not_for_modern_offer_and_40():
    s = Kit().ch().alert("server", 40).build()
    assert run(rh.protocol_version_mismatch, s) is None


# --- fallback ------------------------------------------------------------------------------------


def test_fallback_links_earlier_attempt():
    first = Kit().ch().rst("server").build()
    retry = (
        Kit(frame=30, client_port=50001, t0=first.start + 2)
        .ch(versions=[], legacy=0x0302, suites=[0xC013, 0x5600])
        .alert("server", 86)
        .build()
    )
    rep = report(first, retry)
    import tlstui.analysis.diagnosis as d

    d.STRICT = True
    try:
        d.diagnose_report(rep)
    finally:
        d.STRICT = False
    c = retry.diagnosis.best
    assert c.cause == "fallback_detected" and c.confidence == "high"
    assert "TLS_FALLBACK_SCSV" in c.explanation
    assert "session #1" in c.explanation
    assert c.evidence == [5, 30, 31]  # the first failure, the retry hello, its alert
    assert first.diagnosis.best.cause == "abrupt_close"


def test_fallback_without_earlier_attempt_says_so():
    s = Kit().ch(versions=[], legacy=0x0302, suites=[0xC013, 0x5600]).alert("server", 86).build()
    c = diag(s, report(s)).best
    assert c.cause == "fallback_detected"
    assert "start the capture earlier" in c.explanation


# --- no_shared_cipher ----------------------------------------------------------------------------


def test_cipher_legacy_only_offer():
    s = Kit().ch(versions=[], suites=LEGACY_SUITES).alert("server", 40).fin("server").build()
    d = diag(s)
    assert d.best.cause == "no_shared_cipher"
    assert d.best.confidence == "medium"
    assert d.best.fault == "client"
    assert d.best.evidence == [4, 5]
    assert d.best.rule == "legacy_suites_only"
    assert "likely" in d.best.summary.lower()


def test_cipher_high_when_same_server_uses_an_unoffered_suite():
    bad = Kit().ch(versions=[], suites=[0xC02F]).alert("server", 40).build()
    good = (
        Kit(frame=20, client_port=50001)
        .ch(versions=[], suites=[0xC02B])
        .sh(version=0x0303, suite=0xC02B)
        .build(status="ok")
    )
    c = diag(bad, report(bad, good)).best
    assert c.cause == "no_shared_cipher" and c.confidence == "high"
    assert c.rule == "suite_used_elsewhere"
    assert 21 in c.evidence


def test_cipher_success_found_past_a_long_run_of_failures():
    # One success, then 150 identical failures to the same server: the last failure still
    # sees the success (the neighbour window must not hide it behind the failures).
    good = (
        Kit(frame=4, client_port=40000)
        .ch(versions=[], suites=[0xC02B])
        .sh(version=0x0303, suite=0xC02B)
        .build(status="ok")
    )
    bad = [
        Kit(frame=100 + 10 * i, t0=T0 + 1 + i, client_port=41000 + i)
        .ch(versions=[], suites=[0xC02F])
        .alert("server", 40)
        .build()
        for i in range(150)
    ]
    rep = report(good, *bad)
    d.diagnose_report(rep)
    last = rep.sessions[-1].diagnosis.best
    assert last.cause == "no_shared_cipher" and last.confidence == "high"
    assert 5 in last.evidence or 6 in last.evidence


def test_cipher_modern_offer_is_low():
    s = Kit().ch().alert("server", 40).build()
    c = run(rh.no_shared_cipher, s)
    assert c.confidence == "low"


def test_cipher_only_ccm_tls13_suites_offered():
    # The hotplace corpus case: a TLS 1.3-only client offering just TLS_AES_128_CCM_SHA256,
    # which no mainstream server enables by default.
    s = Kit().ch(versions=[0x0304], suites=[0x1304]).alert("server", 40).build()
    c = diag(s).best
    assert c.cause == "no_shared_cipher" and c.confidence == "medium"
    assert c.fault == "client" and c.rule == "rare_tls13_suites_only"
    assert "TLS_AES_128_CCM_SHA256" in c.summary
    assert "not enable by default" in c.summary


def test_narrow_tls13_offer_with_the_mandatory_suite_is_low():
    # aioquic's client limited to TLS_AES_128_GCM_SHA256 against a server limited to
    # TLS_AES_256_GCM_SHA384 looks like this; so would a server without the client's groups.
    s = Kit().ch(versions=[0x0304], suites=[0x1301], groups=[29, 23]).alert("server", 40).build()
    c = diag(s).best
    assert (c.cause, c.confidence, c.rule) == ("no_shared_cipher", "low", "narrow_tls13_suites")
    assert "group restriction" in c.explanation


def test_cipher_gcm_tls13_offer_stays_low():
    s = Kit().ch(versions=[0x0304], suites=[0x1301, 0x1304]).alert("server", 40).build()
    c = run(rh.no_shared_cipher, s)
    assert c.confidence == "low"
    assert "TLS_AES_128_GCM_SHA256, which a default server accepts" in c.explanation


def test_cipher_no_rsa_pss_in_tls13_offer():
    s = Kit().ch(sigalgs=[0x0401, 0x0403]).alert("server", 40).build()
    c = diag(s).best
    assert c.cause == "no_shared_cipher" and c.confidence == "medium"
    assert c.rule == "no_rsa_pss_offered"
    assert "rsa_pss_rsae" in c.explanation


def test_cipher_server_chose_unoffered_suite():
    s = Kit().ch(suites=[0x1301]).sh(version=0x0304, suite=0x1302).alert("client", 47).build()
    c = diag(s).best
    assert c.cause == "no_shared_cipher" and c.fault == "server" and c.confidence == "high"
    assert c.rule == "suite_chosen_not_offered"


# --- no_common_group -----------------------------------------------------------------------------


def test_group_only_pq_groups():
    s = Kit().ch(versions=[0x0304], groups=[0x11EC], shares=[0x11EC]).alert("server", 40).build()
    d = diag(s)
    assert d.best.cause == "no_common_group"
    assert d.best.confidence == "medium"
    assert "post-quantum" in d.best.explanation
    assert d.best.evidence == [4, 5]
    assert d.best.rule == "no_common_group"


def test_group_only_ffdhe():
    s = Kit().ch(versions=[0x0304], groups=[256, 257]).alert("server", 40).build()
    c = diag(s).best
    assert c.cause == "no_common_group" and "FFDHE" in c.explanation
    assert c.rule == "no_common_group"


def test_group_high_with_same_server_success():
    bad = Kit().ch(versions=[0x0304], groups=[30]).alert("server", 40).build()
    good = Kit(frame=20, client_port=50001).ch().sh(group=29).build(status="ok")
    c = diag(bad, report(bad, good)).best
    assert c.cause == "no_common_group" and c.confidence == "high"
    assert c.rule == "group_used_elsewhere"


def test_group_hrr_for_unoffered_group():
    s = Kit().ch(groups=[29, 23], shares=[29]).hrr(24).alert("client", 47).build()
    d = diag(s)
    assert d.best.cause == "no_common_group"
    assert d.best.confidence == "high"
    assert d.best.fault == "server"
    assert d.best.evidence == [4, 5, 6]
    assert d.best.rule == "hrr_group_not_offered"


def test_group_second_hello_without_requested_share():
    s = (
        Kit()
        .ch(groups=[29, 23], shares=[29])
        .hrr(23)
        .ch(groups=[29, 23], shares=[29])
        .alert("server", 47)
        .build()
    )
    c = diag(s).best
    assert c.cause == "no_common_group" and c.fault == "client"
    assert c.evidence == [4, 5, 6, 7]
    assert (c.confidence, c.rule) == ("high", "hrr_share_not_sent")


def test_group_weak_dh_at_p3():
    s = (
        Kit()
        .ch(versions=[], suites=[0x0033])
        .sh(version=0x0303, suite=0x0033)
        .ske(dh_bits=1024)
        .shd()
        .alert("client", 71)
        .build()
    )
    c = diag(s).best
    assert c.cause == "no_common_group" and c.fault == "server"
    assert (c.confidence, c.rule) == ("high", "weak_dh_group")
    assert "1024-bit" in c.summary


def test_group_not_for_mainstream_offer():
    s = Kit().ch().alert("server", 40).build()
    assert [r for r in GROUP_RULES if run(r, s) is not None] == []


# --- one named rule per branch ------------------------------------------------------------------
# Each suite or group explanation is its own rule; for any session at most one of a family
# fires, so splitting them left the candidate list as one rule would make it.

CIPHER_RULES = [
    rh.suite_chosen_not_offered,
    rh.suite_used_elsewhere,
    rh.legacy_suites_only,
    rh.rare_tls13_suites_only,
    rh.narrow_tls13_suites,
    rh.no_rsa_pss_offered,
    rh.tls12_suites_refused,
    rh.no_shared_cipher,
]
GROUP_RULES = [
    rh.hrr_group_not_offered,
    rh.hrr_share_not_sent,
    rh.weak_dh_group,
    rh.ske_curve_not_offered,
    rh.key_share_not_offered,
    rh.group_used_elsewhere,
    rh.no_supported_groups,
    rh.tls13_groups_refused,
    rh.no_common_group,
]


def _suite_elsewhere():
    bad = Kit().ch(versions=[], suites=[0xC02F]).alert("server", 40).build()
    good = (
        Kit(frame=20, client_port=50001)
        .ch(versions=[], suites=[0xC02B])
        .sh(version=0x0303, suite=0xC02B)
        .build(status="ok")
    )
    return bad, report(bad, good)


def _group_elsewhere():
    bad = Kit().ch(versions=[0x0304], groups=[30]).alert("server", 40).build()
    good = Kit(frame=20, client_port=50001).ch().sh(group=29).build(status="ok")
    return bad, report(bad, good)


def _alone(kit):
    return lambda: (kit.build(), None)


BRANCHES = [
    # (session maker, rule name, cause, confidence, fault)
    (
        _alone(Kit().ch(suites=[0x1301]).sh(version=0x0304, suite=0x1302).alert("client", 47)),
        "suite_chosen_not_offered",
        "no_shared_cipher",
        "high",
        "server",
    ),
    (_suite_elsewhere, "suite_used_elsewhere", "no_shared_cipher", "high", "server"),
    (
        _alone(Kit().ch(versions=[], suites=LEGACY_SUITES).alert("server", 40)),
        "legacy_suites_only",
        "no_shared_cipher",
        "medium",
        "client",
    ),
    (
        _alone(Kit().ch(versions=[0x0304], suites=[0x1304, 0x1305]).alert("server", 40)),
        "rare_tls13_suites_only",
        "no_shared_cipher",
        "medium",
        "client",
    ),
    (
        _alone(
            Kit()
            .ch(versions=[0x0304], suites=[0x1302], groups=[29, 23, 24], shares=[29])
            .alert("server", 40)
        ),
        "narrow_tls13_suites",
        "no_shared_cipher",
        "medium",
        "client",
    ),
    (
        _alone(Kit().ch(sigalgs=[0x0401, 0x0403]).alert("server", 40)),
        "no_rsa_pss_offered",
        "no_shared_cipher",
        "medium",
        "client",
    ),
    (
        _alone(Kit().ch(versions=[], suites=[0xC02F, 0xC030]).alert("server", 40)),
        "tls12_suites_refused",
        "no_shared_cipher",
        "medium",
        "server",
    ),
    (
        _alone(Kit().ch(versions=[0x0304, 0x0303]).alert("server", 71)),
        "no_shared_cipher",
        "no_shared_cipher",
        "low",
        "server",
    ),
    (
        _alone(Kit().ch(groups=[29, 23], shares=[29]).hrr(29).alert("client", 47)),
        "hrr_group_not_offered",
        "no_common_group",
        "high",
        "server",
    ),
    (
        _alone(
            Kit()
            .ch(groups=[29, 23], shares=[29])
            .hrr(23)
            .ch(groups=[29, 23], shares=[29])
            .alert("server", 47)
        ),
        "hrr_share_not_sent",
        "no_common_group",
        "high",
        "client",
    ),
    (
        _alone(
            Kit()
            .ch(versions=[], suites=[0x0033])
            .sh(version=0x0303, suite=0x0033)
            .ske(dh_bits=1024)
            .shd()
            .alert("client", 47)
        ),
        "weak_dh_group",
        "no_common_group",
        "medium",
        "server",
    ),
    (
        _alone(
            Kit()
            .ch(versions=[], suites=[0xC02F], groups=[29, 23])
            .sh(version=0x0303, suite=0xC02F)
            .ske(group=25)
            .shd()
            .alert("client", 47)
        ),
        "ske_curve_not_offered",
        "no_common_group",
        "high",
        "server",
    ),
    (
        _alone(Kit().ch(groups=[29, 23], shares=[29]).sh(group=23).alert("client", 47)),
        "key_share_not_offered",
        "no_common_group",
        "high",
        "server",
    ),
    (_group_elsewhere, "group_used_elsewhere", "no_common_group", "high", "client"),
    (
        _alone(
            Kit().ch(versions=[0x0304], suites=[0x1301], groups=[], shares=[]).alert("server", 109)
        ),
        "no_supported_groups",
        "no_common_group",
        "medium",
        "client",
    ),
    (
        _alone(
            Kit()
            .ch(versions=[0x0304], suites=[0x1301, 0x1302, 0x1303], groups=[29, 23], shares=[29])
            .alert("server", 40)
        ),
        "tls13_groups_refused",
        "no_common_group",
        "medium",
        "server",
    ),
    (
        _alone(Kit().ch(versions=[0x0304], groups=[0x11EC], shares=[0x11EC]).alert("server", 40)),
        "no_common_group",
        "no_common_group",
        "medium",
        "client",
    ),
]


@pytest.mark.parametrize(("make", "name", "cause", "confidence", "fault"), BRANCHES)
def test_each_branch_is_one_named_rule(make, name, cause, confidence, fault):
    s, rep = make()
    family = CIPHER_RULES if cause == "no_shared_cipher" else GROUP_RULES
    fired = [r.__name__ for r in family if run(r, s, rep) is not None]
    assert fired == [name]
    c = next(c for c in diag(s, rep).candidates if c.cause == cause)
    assert (c.rule, c.confidence, c.fault) == (name, confidence, fault)


@pytest.mark.parametrize(
    ("name", "cause", "rule", "confidence", "fault"),
    [
        # OpenSSL client offering TLS 1.2 ECDHE-RSA-CHACHA20 and AES256-SHA256 (tshark: 0xcca8,
        # 0x003d) to an OpenSSL server with only ECDHE-RSA-AES128-GCM-SHA256: 40 at P1.
        (
            "tls12-no-shared-cipher.pcap",
            "no_shared_cipher",
            "tls12_suites_refused",
            "medium",
            "server",
        ),
        # OpenSSL TLS 1.3-only client with X25519:P-256 (0x001d, 0x0017), OpenSSL server with
        # only P-384: 40 at P1 and no HelloRetryRequest.
        (
            "tls13-no-common-group.pcap",
            "no_common_group",
            "tls13_groups_refused",
            "medium",
            "server",
        ),
        # The same refusal also leaves the modern-offer suite explanation as a low candidate.
        ("tls13-no-common-group.pcap", "no_shared_cipher", "no_shared_cipher", "low", "server"),
    ],
)
def test_split_rule_names_on_real_captures(name, cause, rule, confidence, fault):
    path = CAPTURES / name
    if not path.exists():
        pytest.skip(f"{name} not generated")
    s = engine.analyze(path).sessions[0]
    c = next(c for c in s.diagnosis.candidates if c.cause == cause)
    assert (c.rule, c.confidence, c.fault) == (rule, confidence, fault)


# --- sni / alpn ----------------------------------------------------------------------------------


def test_sni_rejected():
    s = Kit().ch(sni="typo.example.com").alert("server", 112).build()
    c = diag(s).best
    assert (c.cause, c.confidence, c.fault) == ("sni_rejected", "high", "server")
    assert c.evidence == [4, 5]
    assert "'typo.example.com'" in c.summary


def test_sni_rejected_no_sni_blames_client():
    s = Kit().ch(sni=None).alert("server", 112).build()
    c = diag(s).best
    assert c.cause == "sni_rejected" and c.fault == "client"


def test_sni_is_escaped_in_text_and_quoted_in_commands():
    s = Kit().ch(sni="a\x1b]0;x\x07; rm -rf /").alert("server", 112).build()
    c = diag(s).best
    assert "\x1b" not in c.summary + c.explanation
    assert any("'a\\x1b]0;x\\x07; rm -rf /'" in cmd for cmd in c.check_next)


def test_alpn_mismatch():
    s = Kit().ch(alpn=["h2"]).alert("server", 120).build()
    c = diag(s).best
    assert (c.cause, c.confidence, c.fault) == ("alpn_mismatch", "high", "client")
    assert "'h2'" in c.summary
    assert c.evidence == [4, 5]


@pytest.mark.parametrize(
    "rule",
    [
        rh.protocol_version_mismatch,
        rh.version_downgrade_sentinel,
        rh.version_not_offered,
        rh.version_below_client_minimum,
        rh.no_secure_renegotiation,
        rh.fallback_detected,
        *CIPHER_RULES,
        *GROUP_RULES,
        rh.sni_rejected,
        rh.alpn_mismatch,
    ],
)
@pytest.mark.parametrize("make", [ok_tls13, ok_tls12])
def test_hello_rules_silent_on_ok(rule, make):
    assert run(rule, make()) is None


def test_rules_quiet_on_hrr_success():
    s = (
        Kit()
        .ch(groups=[29, 23], shares=[29])
        .hrr(23)
        .ch(groups=[29, 23], shares=[23])
        .sh(group=23)
        .tls13_server_flight()
        .tls13_client_finished()
        .build(status="ok")
    )
    assert diag(s).best.cause == "ok"
    assert server_hello and client_hello  # the kit's constructors stay importable


def test_version_range_examples_follow_from_the_offer():
    """Each example range misses every offered version (a TLS 1.0-only server would accept
    an offer that includes TLS 1.0)."""
    from tlstui.analysis.diagnosis.rules_hello import _outside_examples

    assert _outside_examples([0x7F10, 0x0303, 0x0302, 0x0301], False) == (
        " (for example a server that accepts only TLS 1.3 as published (RFC 8446) or a draft "
        "other than TLS 1.3 (draft 16), or only SSL 3.0)"
    )
    assert _outside_examples([0x0304, 0x0303], False) == (
        " (for example a server that accepts only TLS 1.1)"
    )
    assert _outside_examples([0x0304, 0x0301], False) == (
        " (for example a server that accepts only TLS 1.1, or only TLS 1.2, or only SSL 3.0)"
    )
    assert _outside_examples([0xFEFD], True) == (
        " (for example a server that accepts only DTLS 1.3, or only DTLS 1.0)"
    )
    assert _outside_examples([0x0304, 0x0303, 0x0302, 0x0301, 0x0300], False) == ""
