#!/usr/bin/env python3
"""Regenerate the SVG screenshots in ``screenshots/`` from the committed showcase capture.

    python scripts/screenshots.py          # writes screenshots/*.svg
    python scripts/screenshots.py compare-80x24    # only the named ones

Each shot runs the real app (``make_app``) on ``captures/showcase.pcap`` at a fixed size,
waits for the loader, presses keys, and saves the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402
from textual.worker import WorkerFailed  # noqa: E402

from tlstui.ui import make_app  # noqa: E402

CAPTURE = ROOT / "captures" / "showcase.pcap"
OUT = ROOT / "screenshots"

# name, size, keys pressed after loading
SHOTS: list[tuple[str, tuple[int, int], list[str]]] = [
    ("main-80x24", (80, 24), []),
    ("alert-detail-80x24", (80, 24), ["enter"]),
    ("wide-160x48", (160, 48), ["enter"]),
    ("help-80x24", (80, 24), ["question_mark"]),
    # showcase #6 (no shared cipher: the fourth failure) next to its automatic partner
    ("compare-80x24", (80, 24), ["n", "n", "n", "c"]),
    ("compare-160x48", (160, 48), ["n", "n", "n", "c"]),
]


async def wait_for_load(pilot: Pilot) -> None:
    """Wait until the loader worker has finished (or failed: the error screen is the shot)."""
    with contextlib.suppress(WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def shoot(name: str, size: tuple[int, int], keys: list[str]) -> Path:
    app = make_app(CAPTURE)
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        await wait_for_load(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        path = OUT / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"tlstui {CAPTURE.name}"), encoding="utf-8")
        return path


def main() -> int:
    OUT.mkdir(exist_ok=True)
    wanted = set(sys.argv[1:])
    for name, size, keys in SHOTS:
        if wanted and name not in wanted:
            continue
        print(asyncio.run(shoot(name, size, keys)).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
