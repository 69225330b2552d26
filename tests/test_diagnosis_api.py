"""The public API: ranking, honesty caps, report-level diagnosis and failure groups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DOCS
from sessionkit import Kit, diag, leaf, ok_tls12, ok_tls13, report

import tlstui.analysis.diagnosis as d
from tlstui.analysis.diagnosis import registry
from tlstui.analysis.model import Cause

SPEC = DOCS / "report-schema.md"


def test_cause_titles_cover_exactly_the_vocabulary():
    text = SPEC.read_text().split("## Cause vocabulary", 1)[1].split("`unknown` is", 1)[0]
    vocab = set(re.findall(r"`([a-z_]+)`", text))
    assert len(vocab) == 20
    assert vocab == set(d.CAUSE_TITLES)
    assert d.CAUSE_TITLES["untrusted_ca"] == "Untrusted CA"
    assert all(t and t[0].isupper() for t in d.CAUSE_TITLES.values())


def test_every_rule_has_a_name_docstring_and_unique_priority_order():
    names = [r.name for r in d.RULES]
    assert len(names) == len(set(names))
    assert [r.priority for r in d.RULES] == sorted(r.priority for r in d.RULES)
    assert all(r.func.__doc__ for r in d.RULES)


def test_candidates_ranked_by_confidence_then_priority():
    # Expired and wrong name at once, with a generic 46: both high; expiry has priority.
    s = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("other.example.net", days=(-400, -3))])
        .shd()
        .alert("client", 46)
        .build()
    )
    dg = diag(s)
    causes = [c.cause for c in dg.candidates]
    assert causes[:2] == ["expired_certificate", "hostname_mismatch"]
    ranks = [registry.CONFIDENCE_RANK[c.confidence] for c in dg.candidates]
    assert ranks == sorted(ranks)
    assert dg.best is dg.candidates[0]
    assert "unknown" not in causes


def test_failed_sessions_always_have_a_cause_and_unknown_is_honest():
    s = Kit().ch().alert("server", 50).build()
    dg = diag(s)
    assert dg.best.cause == "unknown" and dg.best.confidence == "low"
    assert "log" in dg.best.summary


def test_encrypted_alert_never_gives_high(monkeypatch):
    @registry.rule(priority=1, name="overconfident")
    def overconfident(s, ctx):
        """A rule that claims too much."""
        if ctx.failed:
            return registry.make("decrypt_failure", "high", "x", "y", [1], "path")
        return None

    try:
        s = Kit().ch().sh().tls13_server_flight().enc_alert("client").fin("client").build()
        assert all(c.confidence != "high" for c in diag(s).candidates)
        s2 = Kit().ch().sh().tls13_server_flight().enc_alert("client", code=48).build()
        assert any(c.confidence == "high" for c in diag(s2).candidates)  # decrypted: allowed
    finally:
        registry.RULES[:] = [r for r in registry.RULES if r.name != "overconfident"]


def test_broken_rule_is_skipped_not_fatal(caplog):
    @registry.rule(priority=2, name="broken")
    def broken(s, ctx):
        """Always raises."""
        raise RuntimeError("boom")

    expired = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("other.example.net", days=(-400, -3))])
        .shd()
        .alert("client", 45)
        .build()
    )
    try:
        assert d.diagnose_session(expired).best.cause == "expired_certificate"
        assert "broken" in caplog.text
        with pytest.raises(RuntimeError):
            diag(expired)
        # ok sessions are not run through the failure rules at all
        assert d.diagnose_session(ok_tls13()).best.cause == "ok"
    finally:
        registry.RULES[:] = [r for r in registry.RULES if r.name != "broken"]


def test_rule_returning_a_word_outside_the_vocabulary_is_dropped():
    @registry.rule(priority=3, name="offvocab")
    def offvocab(s, ctx):
        """Returns a made-up cause."""
        return Cause("made_up", "high", "x", "y")

    try:
        assert diag(ok_tls12()).best.cause == "ok"
    finally:
        registry.RULES[:] = [r for r in registry.RULES if r.name != "offvocab"]


def test_evidence_is_sorted_unique_and_nonzero():
    c = registry.make("ok", "high", "s", "e", [9, 0, None, 4, 9], "")
    assert c.evidence == [4, 9]


def _three_sni_failures():
    sessions = []
    for i in range(3):
        sessions.append(
            Kit(frame=10 * i + 4, client_port=50000 + i, t0=1_700_000_000 + i)
            .ch(sni="bad.example")
            .alert("server", 112)
            .build()
        )
    sessions.append(
        Kit(frame=40, client_port=50010, t0=1_700_000_010)
        .ch(sni="x.example")
        .alert("server", 120)
        .build()
    )
    sessions.append(
        Kit(frame=50, client_port=50011, t0=1_700_000_011)
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished()
        .build(status="ok")
    )
    sessions.append(
        Kit(frame=60, client_port=50012, t0=1_700_000_012).ch().build(status="incomplete")
    )
    return report(*sessions)


def test_diagnose_report_sets_every_session():
    rep = _three_sni_failures()
    d.diagnose_report(rep)
    assert all(s.diagnosis is not None for s in rep.sessions)
    assert [s.diagnosis.best.cause for s in rep.sessions] == [
        "sni_rejected",
        "sni_rejected",
        "sni_rejected",
        "alpn_mismatch",
        "ok",
        "no_response",
    ]


def test_group_failures_counts_and_times():
    rep = _three_sni_failures()
    d.diagnose_report(rep)
    groups = d.group_failures(rep)
    assert [(g.cause, g.count, g.sni) for g in groups] == [
        ("sni_rejected", 3, "bad.example"),
        ("alpn_mismatch", 1, "x.example"),
    ]
    g = groups[0]
    assert g.session_ids == [1, 2, 3]
    assert g.first_time < g.last_time
    assert str(g.server) == "10.0.0.2:443"
    with_incomplete = d.group_failures(rep, include_incomplete=True)
    assert [g.cause for g in with_incomplete][-1] == "no_response"


def test_group_failures_diagnoses_on_demand():
    rep = _three_sni_failures()
    assert d.group_failures(rep)[0].count == 3


def test_diagnosis_imports_no_ui_libraries():
    import subprocess
    import sys

    code = (
        "import sys, tlstui.analysis.diagnosis; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = str(Path(__file__).resolve().parents[1])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
