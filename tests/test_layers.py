"""The headless core must not import Textual (STYLE.md practice 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_does_not_import_textual() -> None:
    """Importing the engine, model, diagnosis, describe and export leaves Textual unloaded."""
    code = (
        "import sys, tlstui.engine, tlstui.model, tlstui.diagnosis, tlstui.describe, "
        "tlstui.export; "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"textual imported by the core: {result.stdout}{result.stderr}"
