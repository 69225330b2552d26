"""``tlstui CAPTURE --diff A [B]``: the text and JSON forms and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tlstui import cli
from tlstui.analysis.compare import Difference
from tlstui.output.compare_text import WIDTH, difference_lines, wrap

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
MIXED = CAPTURES / "mixed.pcap"
pytestmark = pytest.mark.skipif(not MIXED.exists(), reason="captures/ not present")


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_diff_json_with_the_automatic_partner(capsys) -> None:
    rc, out, err = run(capsys, str(MIXED), "--diff", "8", "--json")
    assert rc == 0 and err == ""
    doc = json.loads(out)
    assert list(doc) == ["a", "b", "partner_reason", "summary", "parting", "differences"]
    assert (doc["a"], doc["b"]) == (8, 6)
    assert doc["partner_reason"].startswith("session 6 succeeded with the same SNI localhost")
    assert doc["summary"].startswith("No shared cipher suite: the failing client offers none")
    assert doc["parting"]["a"] == {
        "frame": 133,
        "sender": "server",
        "type": "Alert",
        "label": "Alert handshake_failure (40)",
    }
    assert doc["parting"]["b"]["type"] == "ServerHello"
    by = {d["field"]: d for d in doc["differences"]}
    for d in doc["differences"]:
        assert list(d) == ["field", "a", "b", "only_a", "only_b"]
    assert "sni" not in by  # the same on both sides: not a difference
    assert by["version"] == {
        "field": "version",
        "a": None,
        "b": "TLS 1.2",
        "only_a": [],
        "only_b": [],
    }
    assert "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" in by["cipher_suites"]["only_b"]
    assert by["cipher_suites"]["only_a"] == []


def test_diff_json_with_two_ids_has_no_partner_reason(capsys) -> None:
    rc, out, _ = run(capsys, str(MIXED), "--diff", "11", "1", "--json")
    doc = json.loads(out)
    assert rc == 0 and (doc["a"], doc["b"], doc["partner_reason"]) == (11, 1, None)
    assert doc["summary"].startswith("Untrusted CA: the failing server's chain ends in")


def test_diff_text_is_80_columns_differences_first(capsys) -> None:
    rc, out, _ = run(capsys, str(MIXED), "--diff", "17")
    assert rc == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert lines[0].startswith("a:   session 17, failed (hostname_mismatch)")
    assert lines[2].startswith("b:   session 28, ok (ok)") or lines[1].startswith("b:   session 28")
    text = "\n".join(lines)
    assert "Hostname mismatch: the failing server's certificate names wrong.example" in text
    assert text.index("Differences (") < text.index("Same (")
    same = text[text.index("Same (") :]
    assert "sni" in same and "certificate_names" not in same


def test_no_partner_is_said_not_an_error(capsys) -> None:
    rc, out, _ = run(capsys, str(MIXED), "--diff", "21", "--json")
    doc = json.loads(out)
    assert rc == 0 and doc["b"] is None and doc["differences"] == []
    assert "capture a connection from a client that works" in doc["partner_reason"]


@pytest.mark.parametrize("ids", [["99"], ["0"], ["8", "31"]])
def test_unknown_id_is_exit_2_with_the_range(capsys, ids: list[str]) -> None:
    rc, out, err = run(capsys, str(MIXED), "--diff", *ids)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1
    assert "the session ids run from 1 to 30" in err


@pytest.mark.parametrize("ids", [["x"], ["1", "2", "3"]])
def test_bad_id_list_is_exit_2(capsys, ids: list[str]) -> None:
    rc, _, err = run(capsys, str(MIXED), "--diff", *ids)
    assert rc == 2 and "one or two session ids" in err


def test_wrapping_never_breaks_a_name() -> None:
    long = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    lines = wrap(", ".join([long] * 5), width=60, indent="    ")
    for line in lines:
        for word in line.replace(",", " ").split():
            assert word == long
    d = Difference("cipher_suites", [long], ["x"], True, [long] * 12, [])
    out = difference_lines(d, 80)
    assert out[0].startswith("  cipher_suites       only a: " + long)
    assert out[-1].endswith("(+4 more)")


QUIC_BAD = CAPTURES / "udp" / "quic-untrusted-ca.pcap"
QUIC_OK = CAPTURES / "udp" / "quic-ok.pcap"
_SEALED = [
    "alpn",
    "certificate_chain",
    "certificate_names",
    "certificate_validity",
    "certificate_key",
    "certificate_request",
    "client_certificate",
]


def test_diff_two_unknown_certificates_are_not_the_same(capsys) -> None:
    """Without a key log neither QUIC certificate is visible: not "same", said with why."""
    rc, out, _ = run(capsys, str(QUIC_BAD), str(QUIC_OK), "--diff", "1", "--no-keylog")
    assert rc == 0
    same = out[out.index("Same (") :]
    hidden = out[out.index("Not visible on one or both sides (7):") : out.index("Same (")]
    for name in _SEALED:
        assert f" {name}," not in same and not same.rstrip().endswith(name)
        assert f"  {name}" in hidden
    assert "a, b: not visible (encrypted QUIC handshake, no key log" in hidden
    assert same.startswith("Same (15 fields): client_ip, sni, version,")
    rc, out, _ = run(capsys, str(QUIC_BAD), str(QUIC_OK), "--diff", "1", "--no-keylog", "--json")
    by = {d["field"]: d for d in json.loads(out)["differences"]}
    for name in _SEALED:  # listed as differences with null on both sides, never dropped
        assert (by[name]["a"], by[name]["b"]) == (None, None)


def test_diff_tls13_certificate_hidden_without_keys_visible_with_them(capsys) -> None:
    bad, ok = CAPTURES / "tls13-untrusted-ca-gnutls.pcap", CAPTURES / "tls13-ok.pcap"
    rc, out, _ = run(capsys, str(bad), str(ok), "--diff", "1", "--no-keylog")
    assert rc == 0
    assert "certificate_chain   a, b: not visible (encrypted TLS 1.3 handshake, no key" in out
    assert "certificate_chain" not in out[out.index("Same (") :]
    # With the key logs the chains are read and their difference shown.
    rc, out, _ = run(capsys, str(QUIC_BAD), str(QUIC_OK), "--diff", "1")
    assert rc == 0
    diffs = out[out.index("Differences (5):") : out.index("Same (")]
    assert "certificate_chain   only a: CN=localhost by O=tlstui test,CN=tlstui Untrusted" in diffs
    assert "Not visible" not in out
