"""What the test modules share: paths, the markers' skip rules, the showcase report, UI helpers.

Test modules import the plain names from here (``from conftest import CAPTURES``): pytest puts
``tests/`` on ``sys.path`` and registers this file as the module ``conftest`` before collecting,
so the import returns this same module rather than a second copy.

Markers (registered in pyproject.toml) both label a test and guard it:

- ``corpus``: reads ``../shared/corpus`` (the public captures with the tshark oracle); skipped
  when that folder is not beside the clone, as in a user's checkout.
- ``tshark``: runs tshark; skipped when it is not installed.
- ``slow``: takes seconds on its own (fuzzing, 20,000-session captures); ``make test-fast``
  leaves these out together with the two above.

Textual is imported inside the UI helpers, never at module level: the core's tests must not
load it (``test_layers`` checks that in a fresh interpreter, but a stray import here would
still slow every worker's start).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Endpoint, Report, Session

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from tlstui.ui.app import TlsApp

REPO = Path(__file__).resolve().parents[1]
CAPTURES = REPO / "captures"
SHOWCASE = CAPTURES / "showcase.pcap"
DOCS = REPO / "docs"
# Handshake messages pulled out of corpus captures by tests/data/make_fixtures.py (dpkt, not
# tlstui's own reader), so decoder tests run without ../shared.
DATA = REPO / "tests" / "data"
# The shared folder sits beside the clone (``../shared``), in CI as on a developer's machine.
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
ORACLE = CORPUS / "oracle.jsonl"
TSHARK = shutil.which("tshark")

# The corpus counts as present only with its oracle: a half-copied folder must skip, not fail.
HAVE_CORPUS = ORACLE.exists()

_SKIP_RULES = {
    "corpus": (HAVE_CORPUS, "../shared/corpus not present"),
    "tshark": (TSHARK is not None, "tshark not installed"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``corpus`` and ``tshark`` tests whose resource is missing, one rule for all files."""
    for item in items:
        for marker, (available, reason) in _SKIP_RULES.items():
            if not available and item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _cyclic_gc_back_on() -> Iterator[None]:
    """Each test starts with the cyclic collector on, whatever ran before it on this worker.

    ``cli.main`` turns the collector off for its one-shot run and never turns it back on (the
    process exits). Tests that call it in-process would otherwise leave it off for whatever
    test xdist schedules next on the same worker, so memory bounds would depend on the order.
    """
    yield
    gc.enable()


def capture_files() -> list[Path]:
    """The committed captures (pcap and pcapng), sorted so parametrised ids are stable."""
    return sorted(p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))


@functools.cache
def fixture_messages(name: str) -> tuple[dict[str, Any], ...]:
    """Every handshake message of ``tests/data/NAME.json``, connection by connection."""
    conns = json.loads((DATA / f"{name}.json").read_text())["connections"]
    return tuple(m for conn in conns for m in conn)


def handshake_body(
    name: str, hs_type: int | str, index: int = 0, direction: str | None = None
) -> bytes:
    """The body of the *index*-th message of *hs_type* (``"c2s"``/``"s2c"`` if *direction*)."""
    found = [
        m
        for m in fixture_messages(name)
        if m["type"] == hs_type and (direction is None or m["dir"] == direction)
    ]
    return bytes.fromhex(found[index]["body"])


def certificate_ders(cert_body: bytes) -> list[bytes]:
    """The DER certificates of a TLS 1.2 Certificate body: a parser independent of tlstui's."""
    out, pos = [], 3
    while pos < len(cert_body):
        n = int.from_bytes(cert_body[pos : pos + 3], "big")
        out.append(cert_body[pos + 3 : pos + 3 + n])
        pos += 3 + n
    return out


def bare_session(**overrides: Any) -> Session:
    """A session with nothing seen yet between two fixed endpoints; *overrides* set fields."""
    fields: dict[str, Any] = dict(
        id=1,
        client=Endpoint("10.0.0.1", 1),
        server=Endpoint("10.0.0.2", 443),
        first_frame=1,
        last_frame=1,
        start=0.0,
        end=0.0,
    )
    fields.update(overrides)
    return Session(**fields)


@pytest.fixture(scope="module")
def report() -> Report:
    """The showcase capture analysed once per module.

    Module scope, not session: tests edit a session's text and restore it, and a failure in one
    module must not leak an edit into another.
    """
    return analyze(SHOWCASE)


# --- UI ------------------------------------------------------------------------------------------


def quiet_app(path: Path | str = SHOWCASE, **kwargs: Any) -> TlsApp:
    """``make_app`` with animations off, so a pilot sees the final state after one pause."""
    from tlstui.ui import make_app

    app = make_app(path, **kwargs)
    app.animation_level = "none"
    return app


async def wait_for_load(pilot: Pilot) -> None:
    """Wait until the loader worker has finished (or failed, which the error screen shows)."""
    from textual.worker import WorkerFailed

    with contextlib.suppress(WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
