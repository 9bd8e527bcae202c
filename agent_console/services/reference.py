"""The shipped scripts and tables (Art. 11 reasons, Art. 12 keywords, Art. 25 warnings,
deadline table): read once from data/, each fact in exactly one file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agent_console.domain.deadlines import DeadlineRule
from agent_console.domain.triage import EmergencyRule, TriageRules, UtilityRule


@dataclass(frozen=True)
class ScriptItem:
    code: int
    title: str
    clause: str
    script: str
    guidance: str = ""


@dataclass(frozen=True)
class Reference:
    not_accepted: tuple[ScriptItem, ...]
    warnings: tuple[ScriptItem, ...]
    triage: TriageRules
    deadlines: tuple[DeadlineRule, ...]
    phrases: dict
    synonyms: dict[str, list[str]]

    def not_accepted_reason(self, code: int) -> ScriptItem:
        for item in self.not_accepted:
            if item.code == code:
                return item
        raise KeyError(code)

    def warning(self, code: int) -> ScriptItem:
        for item in self.warnings:
            if item.code == code:
                return item
        raise KeyError(code)


def _read(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_reference(data_dir: Path) -> Reference:
    not_accepted = tuple(
        ScriptItem(i["code"], i["title"], i["clause"], i["script"], i.get("guidance", ""))
        for i in _read(data_dir / "not_accepted.json")
    )
    warnings = tuple(
        ScriptItem(i["code"], i["title"], i["clause"], i["script"], i.get("guidance", ""))
        for i in _read(data_dir / "warnings.json")
    )
    em = _read(data_dir / "emergency.json")
    triage = TriageRules(
        emergency=tuple(
            EmergencyRule(s["service"], s["name"], tuple(s["keywords"]), s["script"])
            for s in em["services"]
        ),
        utility=tuple(UtilityRule(u["domain"], tuple(u["keywords"])) for u in em["utility"]),
        disaster=tuple(em.get("disaster", {}).get("keywords", [])),
    )
    table = _read(data_dir / "deadlines.json")
    deadlines = tuple(
        DeadlineRule(r["request_type"], r["urgency"], float(r["sign_hours"]),
                     r.get("working_days"), r.get("hours"))
        for r in table["rows"]
    )
    phrases = _read(data_dir / "request_scripts.json")
    syn_path = data_dir / "synonyms.json"
    synonyms = _read(syn_path) if syn_path.exists() else {}
    return Reference(not_accepted, warnings, triage, deadlines, phrases, synonyms)
