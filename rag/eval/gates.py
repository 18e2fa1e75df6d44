"""Quality gates: for each metric of a gold set, a floor (a regression fails CI) and a target
(the goal its issue set), reported side by side.

eval/thresholds.json maps a gold set's name to its metrics::

    {"squad2_dev": {"answers.f1": {"floor": 0.15, "target": 0.6, "goal": "issue 13", "half": "check"},
                    "abstention.false_abstain_rate": {"ceiling": 0.06, "target": 0.05, "half": "check"}}}

`floor` applies to metrics where higher is better, `ceiling` to those where lower is better.
`half` is the part of the set the gate measures (`rag.eval.gold.half_of`): `check`, the half no
threshold in rag/ is tuned on, or `all` (the default) for the whole set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.eval.gold import HALVES

ALL = "all"  # a gate on the whole set, not on one half
GATE_HALVES = (ALL, *HALVES)


@dataclass(frozen=True)
class Gate:
    metric: str  # "group.name", e.g. "retrieval.hit@1"
    limit: float
    higher_is_better: bool
    target: float | None = None
    goal: str = ""
    half: str = ALL  # the questions it measures: "check", "tune" or "all"


@dataclass(frozen=True)
class Verdict:
    gate: Gate
    value: float | None

    @property
    def status(self) -> str:
        if self.value is None:
            return "missing"
        if not _meets(self.value, self.gate.limit, self.gate.higher_is_better):
            return "below floor" if self.gate.higher_is_better else "above ceiling"
        target = self.gate.target
        if target is not None and not _meets(self.value, target, self.gate.higher_is_better):
            return "short of target"
        return "ok"

    @property
    def failed(self) -> bool:
        return self.status in ("missing", "below floor", "above ceiling")

    def as_dict(self) -> dict[str, Any]:
        bound = "floor" if self.gate.higher_is_better else "ceiling"
        return {
            "metric": self.gate.metric,
            "value": self.value,
            bound: self.gate.limit,
            "target": self.gate.target,
            "goal": self.gate.goal,
            "half": self.gate.half,
            "status": self.status,
        }


def _meets(value: float, limit: float, higher_is_better: bool) -> bool:
    return value >= limit if higher_is_better else value <= limit


def parse_gates(spec: Mapping[str, Any], where: str) -> list[Gate]:
    gates = []
    for metric, entry in spec.items():
        if not isinstance(entry, Mapping) or ("floor" in entry) == ("ceiling" in entry) or "." not in metric:
            raise RagError(f"{where}: {metric!r} needs exactly one of 'floor' or 'ceiling'")
        higher = "floor" in entry
        half = str(entry.get("half", ALL))
        if half not in GATE_HALVES:
            raise RagError(f"{where}: {metric!r} has half {half!r}; use one of {', '.join(GATE_HALVES)}")
        gates.append(
            Gate(
                metric,
                float(entry["floor" if higher else "ceiling"]),
                higher,
                float(entry["target"]) if entry.get("target") is not None else None,
                str(entry.get("goal", "")),
                half,
            )
        )
    return gates


def load_gates(path: Path, dataset: str, half: str = ALL) -> list[Gate]:
    """The gates of `dataset` that measure `half`; an error naming the flag to pass when its
    gates are all for another half (a floor set on one half says nothing of the other)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RagError(f"cannot read the thresholds file {path} ({exc}); check --gates") from None
    if not isinstance(document, dict) or dataset not in document:
        raise RagError(f"{path} has no gates for {dataset!r}; add them or drop --gates")
    gates = parse_gates(document[dataset], f"{path} [{dataset}]")
    chosen = [g for g in gates if g.half == half]
    if gates and not chosen:
        halves = sorted({g.half for g in gates})
        flags = " or ".join("no --half" if h == ALL else f"--half {h}" for h in halves)
        parts = " and ".join(part_name(h) for h in halves)
        raise RagError(f"{path} gates {dataset!r} on {parts}, not {part_name(half)}; run with {flags}")
    return chosen


def part_name(half: str) -> str:
    """'the check half', 'the tune half' or 'the whole set'."""
    return "the whole set" if half == ALL else f"the {half} half"


def metric_value(report: Mapping[str, Any], metric: str) -> float | None:
    group, name = metric.split(".", 1)
    value = report.get(group, {}).get(name) if isinstance(report.get(group), Mapping) else None
    return float(value) if isinstance(value, (int, float)) else None


def check_gates(report: Mapping[str, Any], gates: list[Gate]) -> list[Verdict]:
    return [Verdict(gate, metric_value(report, gate.metric)) for gate in gates]


def gates_markdown(verdicts: list[Verdict]) -> str:
    parts = " and ".join(part_name(h) for h in sorted({v.gate.half for v in verdicts}))
    lines = [f"Gates, measured on {parts}:", ""] if parts else []
    lines += ["| metric | value | floor / ceiling | target | status |", "|---|---|---|---|---|"]
    for v in verdicts:
        bound = ("≥ " if v.gate.higher_is_better else "≤ ") + f"{v.gate.limit:.3f}"
        target = "" if v.gate.target is None else ("≥ " if v.gate.higher_is_better else "≤ ") + f"{v.gate.target:.3f}"
        value = "—" if v.value is None else f"{v.value:.3f}"
        goal = f" ({v.gate.goal})" if v.gate.goal and v.status == "short of target" else ""
        lines.append(f"| {v.gate.metric} | {value} | {bound} | {target} | {v.status}{goal} |")
    return "\n".join(lines)
