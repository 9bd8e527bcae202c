"""The shipped scripts and tables (Art. 11 reasons, Art. 12 keywords, Art. 25 warnings,
deadline table): read once from data/, each fact in exactly one file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agent_console.domain.deadlines import DeadlineRule
from agent_console.domain.propose import (
    Proposer,
    gazetteer_from_data,
    request_type_rules_from_data,
)
from agent_console.domain.triage import TriageRules, triage_rules_from_data
from agent_console.domain.workflow import TerminationRule


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
    termination: TerminationRule | None = None  # Art. 18(6), data/workflow_rules.json
    proposer: Proposer | None = None  # request type and region proposals (domain/propose.py)

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


def load_deadlines(data_dir: Path) -> tuple[DeadlineRule, ...]:
    """data/deadlines.json: a row per request type and urgency, and the Art. 12 rows."""
    table = _read(data_dir / "deadlines.json")
    return tuple(
        DeadlineRule(r["request_type"], r["urgency"], float(r["sign_hours"]),
                     r.get("working_days"), r.get("hours"))
        for r in table["rows"]
    ) + tuple(
        # Art. 12: dispatched at once, on the real clock, whatever the request type
        DeadlineRule("", r["urgency"], r["sign_minutes"] / 60, None, float(r["hours"]),
                     immediate=True)
        for r in table.get("immediate_dispatch", {}).get("rows", ())
    )


def load_proposer(data_dir: Path) -> Proposer:
    """data/request_type_cues.json, data/regions.json and data/places.json."""
    places_path = data_dir / "places.json"
    places = _read(places_path) if places_path.exists() else {}
    return Proposer(request_type_rules_from_data(_read(data_dir / "request_type_cues.json")),
                    gazetteer_from_data(_read(data_dir / "regions.json"), places))


def load_reference(data_dir: Path) -> Reference:
    not_accepted = tuple(
        ScriptItem(i["code"], i["title"], i["clause"], i["script"], i.get("guidance", ""))
        for i in _read(data_dir / "not_accepted.json")
    )
    warnings = tuple(
        ScriptItem(i["code"], i["title"], i["clause"], i["script"], i.get("guidance", ""))
        for i in _read(data_dir / "warnings.json")
    )
    triage = triage_rules_from_data(_read(data_dir / "emergency.json"))
    proposer = load_proposer(data_dir)
    deadlines = load_deadlines(data_dir)
    phrases = _read(data_dir / "request_scripts.json")
    syn_path = data_dir / "synonyms.json"
    synonyms = _read(syn_path) if syn_path.exists() else {}
    rules = _read(data_dir / "workflow_rules.json")["termination"]
    termination = TerminationRule(int(rules["min_failed_contacts"]),
                                  float(rules["min_hours_apart"]))
    return Reference(not_accepted, warnings, triage, deadlines, phrases, synonyms,
                     termination=termination, proposer=proposer)
