#!/usr/bin/env python3
"""Score tlstui's diagnosis on the Go / Java / NSS captures against what the scenarios were.

    .venv/bin/python scripts/diag_matrix.py            # per-stack figures, both ways
    .venv/bin/python scripts/diag_matrix.py --detail   # one line per session

The expected status and cause of every capture come from the scenario definitions in
captures/generate_stacks.py (how each failure was set up), never from tlstui's own output.
Each capture is analysed twice: with its key log (NAME.keys beside it) and without.

A session scores:
- right: the expected status and cause;
- honest-generic: the expected status, a cause the scenario lists as an honest generic answer
  for evidence that is encrypted (e.g. bad_certificate or unknown), at medium or low
  confidence;
- wrong: anything else. "wrong-high" counts the wrong ones given at high confidence: it must
  be 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "captures"))

import tlstui.analysis.diagnosis as diagnosis  # noqa: E402
from tlstui.analysis.engine import analyze  # noqa: E402
from tlstui.output.json_report import to_json  # noqa: E402


@dataclass(frozen=True)
class Score:
    capture: str
    stack: str
    keys: bool
    session: int
    want_status: str
    want_cause: str
    status: str
    cause: str
    confidence: str
    verdict: str  # "right" | "generic" | "wrong"


def stack_of(name: str) -> str:
    return {"go": "Go", "java": "Java", "nss": "NSS"}.get(name.split("-", 1)[0], "other")


def judge(want, status: str, cause: str, confidence: str) -> str:
    if status == want.status and cause == want.cause:
        return "right"
    if status == want.status and cause in want.generic and confidence != "high":
        return "generic"
    return "wrong"


def score_capture(name: str, want, keys: bool) -> list[Score]:
    path = ROOT / "captures" / f"{name}.pcap"
    report = json.loads(to_json(analyze(path, keylog=None if keys else False)))
    out = []
    for s in report["sessions"]:
        d = s["diagnosis"]
        out.append(
            Score(
                name,
                stack_of(name),
                keys,
                s["id"],
                want.status,
                want.cause,
                s["status"],
                d["cause"],
                d["confidence"],
                judge(want, s["status"], d["cause"], d["confidence"]),
            )
        )
    return out


def score_all() -> list[Score]:
    import generate_stacks as gs

    scores: list[Score] = []
    for sc in gs.SCEN:
        if not (ROOT / "captures" / f"{sc.name}.pcap").exists():
            continue
        for keys in (False, True):
            scores += score_capture(sc.name, sc.want, keys)
    return scores


def table(scores: list[Score]) -> str:
    rows = [
        "| Stack | Key log | Sessions | Right | Honest generic | Wrong | Wrong at high |",
        "|---|---|---|---|---|---|---|",
    ]
    for stack in ("Go", "Java", "NSS"):
        for keys in (False, True):
            sel = [s for s in scores if s.stack == stack and s.keys == keys]
            if not sel:
                continue
            n = {v: sum(1 for s in sel if s.verdict == v) for v in ("right", "generic", "wrong")}
            high = sum(1 for s in sel if s.verdict == "wrong" and s.confidence == "high")
            rows.append(
                f"| {stack} | {'yes' if keys else 'no'} | {len(sel)} | {n['right']} | "
                f"{n['generic']} | {n['wrong']} | {high} |"
            )
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--detail", action="store_true", help="one line per session")
    args = ap.parse_args()
    diagnosis.STRICT = True  # a rule that raises is a bug to see, not a rule to skip
    scores = score_all()
    if args.detail:
        for s in scores:
            print(
                f"{s.verdict:7} {'keys ' if s.keys else 'alone'} {s.capture}#{s.session}: "
                f"want {s.want_status}/{s.want_cause}, got {s.status}/{s.cause} ({s.confidence})"
            )
    print(table(scores))
    bad = [s for s in scores if s.verdict == "wrong" and s.confidence == "high"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
