"""Art. 12: spot emergencies (hand off to 110/119/120/122) and utility faults (dispatch now)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent_console.domain.normalize import normalize


@dataclass(frozen=True)
class EmergencyRule:
    service: str  # "110" | "119" | "120" | "122"
    name: str
    keywords: tuple[str, ...]
    script: str


@dataclass(frozen=True)
class UtilityRule:
    domain: str  # 供热 / 供水 / 供电 / 燃气
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class TriageResult:
    emergencies: tuple[tuple[str, str, str], ...] = ()  # (service, name, keyword)
    utilities: tuple[tuple[str, str], ...] = ()  # (domain, keyword)
    disaster: tuple[str, ...] = ()

    @property
    def is_emergency(self) -> bool:
        return bool(self.emergencies)

    @property
    def immediate_dispatch(self) -> bool:
        return bool(self.utilities or self.disaster)

    @property
    def services(self) -> tuple[str, ...]:
        seen: list[str] = []
        for service, _name, _kw in self.emergencies:
            if service not in seen:
                seen.append(service)
        return tuple(seen)


@dataclass(frozen=True)
class TriageRules:
    emergency: tuple[EmergencyRule, ...]
    utility: tuple[UtilityRule, ...]
    disaster: tuple[str, ...] = field(default=())

    def script_for(self, service: str) -> EmergencyRule | None:
        return next((r for r in self.emergency if r.service == service), None)

    def classify(self, text: str) -> TriageResult:
        norm = normalize(text)
        if not norm:
            return TriageResult()
        emergencies = []
        for rule in self.emergency:
            for kw in rule.keywords:
                if normalize(kw) in norm:
                    emergencies.append((rule.service, rule.name, kw))
                    break
        utilities = []
        for rule in self.utility:
            for kw in rule.keywords:
                if normalize(kw) in norm:
                    utilities.append((rule.domain, kw))
                    break
        disaster = tuple(kw for kw in self.disaster if normalize(kw) in norm)[:3]
        return TriageResult(tuple(emergencies), tuple(utilities), disaster)
