"""The import contract: ui > output > analysis > tls > wire, and a headless core.

Every module of ``tlstui`` is parsed (not imported) and each ``tlstui`` import it makes must point
to its own layer or a lower one.  ``textsafe`` is a leaf every layer may use; ``cli`` and
``__main__`` sit on top.  A second test imports the core in a fresh interpreter and checks that
neither Textual nor Rich was loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "tlstui"

RANK = {"textsafe": 0, "wire": 1, "tls": 2, "analysis": 3, "output": 4, "ui": 5, "cli": 6}
CORE = ("wire", "tls", "analysis")


def layer_of(module: str) -> str | None:
    """``tlstui.tls.records`` -> ``tls``; None for the package root and ``__main__``."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "tlstui":
        return None
    return parts[1] if parts[1] in RANK else None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every absolute module a file imports (``from tlstui.x import y`` also yields x.y)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
    return found


MODULES = sorted(p for p in PKG.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    stray = [
        module_name(p)
        for p in MODULES
        if layer_of(module_name(p)) is None and module_name(p) not in ("tlstui", "tlstui.__main__")
    ]
    assert stray == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down(path: Path) -> None:
    own = layer_of(module_name(path))
    if own is None:
        return
    wrong = []
    for line, target in imports_of(path):
        other = layer_of(target)
        if other is not None and RANK[other] > RANK[own]:
            wrong.append(f"line {line}: {own} imports {target}")
        if own in CORE and target.split(".")[0] in ("textual", "rich"):
            wrong.append(f"line {line}: core module imports {target}")
    assert wrong == []


def test_contract_sees_a_violation(tmp_path: Path) -> None:
    """The walker itself works: an upward import is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("from tlstui.ui.app import TlsApp\nimport rich.text\n")
    targets = [t for _, t in imports_of(bad)]
    assert "tlstui.ui.app" in targets and "rich.text" in targets
    assert layer_of("tlstui.ui.app") == "ui" and RANK["ui"] > RANK["tls"]


def test_core_loads_neither_textual_nor_rich() -> None:
    """Running the whole analysis and the JSON output leaves Textual and Rich unloaded."""
    code = (
        "import sys, tlstui.analysis.engine as e, tlstui.output.json_report as j; "
        "r = e.analyze('captures/showcase.pcap'); j.to_json(r); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')); "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"loaded by the core: {result.stdout}{result.stderr}"
