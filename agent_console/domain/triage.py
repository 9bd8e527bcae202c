"""Art. 12: spot emergencies (hand off to 110/119/120/122) and utility faults (dispatch now).

The table lives in data/emergency.json: emergency *kinds* (fire, indoor gas leak, traffic
accident with injuries …), each with its keywords, the services to notify, advice lines and the
follow-up work order a unit must sign; modifiers (someone is injured → 120) that add to any
kind; utility domains (水电气热) and their default follow-up.

Matching is on normalised text. Per kind, ``exclude`` phrases mask their span, so 火灾 in
火灾隐患 or 交通事故 in 交通事故认定书 does not fire. A kind may ``override`` others: the
overridden kind is dropped when every span it matched lies inside a span of the overriding kind
(楼道里有燃气味 is the outdoor gas kind, not the indoor one; 草原着火 is a wildfire, not a house
fire), so the most specific kind wins while unrelated evidence elsewhere in the text is kept.
A ``generic`` kind (人员被困, 急危重症) gives way to any specific kind but its services still go
out. The follow-up comes from the most severe kind (the others' units become co-handlers), or
else from the first utility domain; utilities are localised by dispatch (category routing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from agent_console.domain.normalize import normalize

URGENCY_ORDER = ("一般", "紧急", "特急")
DEFAULT_WINDOW = 16  # characters within which the parts of a combination must occur

Span = tuple[int, int]


def _urgency_rank(urgency: str) -> int:
    return URGENCY_ORDER.index(urgency) if urgency in URGENCY_ORDER else 0


def max_urgency(*values: str) -> str:
    present = [v for v in values if v]
    return max(present, key=_urgency_rank) if present else URGENCY_ORDER[0]


@dataclass(frozen=True)
class EmergencyRule:
    service: str  # "110" | "119" | "120" | "122"
    name: str
    keywords: tuple[str, ...]  # legacy per-service keywords; the kinds carry them now
    script: str


@dataclass(frozen=True)
class FollowUp:
    """The work order a unit must sign after the hand-off (Art. 12), or the utility order."""

    unit: str  # unit code in data/units.json (lead unit; dispatch may localise utilities)
    category: str  # category path in data/categories.json
    request_type: str | None  # RequestType label; None: propose it from the text
    urgency: str  # Urgency label
    immediate_dispatch: bool
    source: str = ""  # kind id, or "utility:供热" …
    co_units: tuple[str, ...] = ()  # units of the other matched kinds (co-handlers)


@dataclass(frozen=True)
class UtilityRule:
    domain: str  # 供热 / 供水 / 供电 / 燃气
    keywords: tuple[str, ...]
    follow_up: FollowUp | None = None
    # keyword → (category path, unit code or None for follow_up.unit)
    by_keyword: tuple[tuple[str, str, str | None], ...] = ()

    def follow_up_for(self, keyword: str) -> FollowUp | None:
        base = self.follow_up
        if base is None:
            return None
        for kw, category, unit in self.by_keyword:
            if kw == keyword:
                return FollowUp(unit or base.unit, category, base.request_type, base.urgency,
                                base.immediate_dispatch, f"utility:{self.domain}")
        return FollowUp(base.unit, base.category, base.request_type, base.urgency,
                        base.immediate_dispatch, f"utility:{self.domain}")


@dataclass(frozen=True)
class EmergencyKind:
    id: str
    name: str
    severity: int  # higher = more severe; results are ordered by it
    keywords: tuple[str, ...]
    services: tuple[str, ...]
    follow_up: FollowUp | None
    combos: tuple[tuple[tuple[str, ...], ...], ...] = ()  # all groups, any word of each
    exclude: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()
    utility_lines: tuple[str, ...] = ()  # public-utility lines to call too (燃气公司抢修 …)
    overrides: tuple[str, ...] = ()
    disaster: bool = False  # natural disaster / public emergency (Art. 12, second half)
    generic: bool = False  # dropped when a specific kind matched (its services are kept)

    @property
    def urgency(self) -> str:
        return self.follow_up.urgency if self.follow_up else "特急"


@dataclass(frozen=True)
class Modifier:
    """Adds services to whatever kind matched (有人受伤 → 120)."""

    id: str
    name: str
    keywords: tuple[str, ...]
    services: tuple[str, ...]
    urgency: str = ""
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindMatch:
    kind: str  # EmergencyKind.id
    name: str
    keyword: str  # what matched, as in the data ("楼道+燃气味" for a combination)
    severity: int
    services: tuple[str, ...]
    urgency: str
    immediate_dispatch: bool


@dataclass(frozen=True)
class TriageResult:
    emergencies: tuple[tuple[str, str, str], ...] = ()  # (service, name, keyword)
    utilities: tuple[tuple[str, str], ...] = ()  # (domain, keyword)
    disaster: tuple[str, ...] = ()  # keywords of disasters / public emergencies
    kinds: tuple[KindMatch, ...] = ()  # most severe first
    modifiers: tuple[tuple[str, str], ...] = ()  # (modifier name, keyword)
    advice: tuple[str, ...] = ()  # what to tell the caller, most severe kind first
    utility_lines: tuple[str, ...] = ()  # utility lines to call as well
    follow_up: FollowUp | None = None

    @property
    def is_emergency(self) -> bool:
        return bool(self.emergencies)

    @property
    def immediate_dispatch(self) -> bool:
        return bool(self.utilities or self.disaster
                    or any(k.immediate_dispatch for k in self.kinds))

    @property
    def services(self) -> tuple[str, ...]:
        seen: list[str] = []
        for service, _name, _kw in self.emergencies:
            if service not in seen:
                seen.append(service)
        return tuple(seen)

    @property
    def urgency(self) -> str:
        return self.follow_up.urgency if self.follow_up else URGENCY_ORDER[0]


@lru_cache(maxsize=4096)
def _needle(word: str) -> str:
    return normalize(word)


def _find_all(norm: str, word: str, masked: list[Span]) -> list[Span]:
    needle = _needle(word)
    if not needle:
        return []
    out: list[Span] = []
    start = norm.find(needle)
    while start >= 0:
        span = (start, start + len(needle))
        if not any(span[0] < m[1] and m[0] < span[1] for m in masked):
            out.append(span)
        start = norm.find(needle, start + 1)
    return out


def _masks(norm: str, exclude: tuple[str, ...]) -> list[Span]:
    masked: list[Span] = []
    for phrase in exclude:
        masked.extend(_find_all(norm, phrase, []))
    return masked


def _combo_spans(norm: str, groups: tuple[tuple[str, ...], ...], masked: list[Span],
                 window: int) -> tuple[list[Span], str]:
    """Spans where one word of every group occurs within ``window`` characters."""
    found: list[list[tuple[Span, str]]] = []
    for group in groups:
        longest: dict[int, tuple[Span, str]] = {}  # at one start, the longest word counts
        for w in group:
            for s in _find_all(norm, w, masked):
                if s[0] not in longest or s[1] > longest[s[0]][0][1]:
                    longest[s[0]] = (s, w)
        hits = list(longest.values())
        if not hits:
            return [], ""
        found.append(hits)
    spans: list[Span] = []
    label = ""
    first, rest = found[0], found[1:]
    for span0, word0 in first:
        lo, hi, words = span0[0], span0[1], [word0]
        ok = True
        for hits in rest:
            best = min(hits, key=lambda h: max(hi, h[0][1]) - min(lo, h[0][0]))
            if max(hi, best[0][1]) - min(lo, best[0][0]) > window:
                ok = False
                break
            lo, hi = min(lo, best[0][0]), max(hi, best[0][1])
            words.append(best[1])
        if ok:
            spans.append((lo, hi))
            label = label or "+".join(words)
    return spans, label


@dataclass(frozen=True)
class TriageRules:
    emergency: tuple[EmergencyRule, ...]
    utility: tuple[UtilityRule, ...]
    disaster: tuple[str, ...] = field(default=())
    kinds: tuple[EmergencyKind, ...] = field(default=())
    modifiers: tuple[Modifier, ...] = field(default=())
    window: int = DEFAULT_WINDOW

    def script_for(self, service: str) -> EmergencyRule | None:
        return next((r for r in self.emergency if r.service == service), None)

    def service_name(self, service: str) -> str:
        rule = self.script_for(service)
        return rule.name if rule else service

    def kind(self, kind_id: str) -> EmergencyKind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    def _match_kind(self, norm: str, kind: EmergencyKind) -> tuple[list[Span], str]:
        masked = _masks(norm, kind.exclude)
        spans: list[Span] = []
        first: tuple[int, str] | None = None
        for kw in kind.keywords:
            hits = _find_all(norm, kw, masked)
            if hits:
                spans.extend(hits)
                if first is None or hits[0][0] < first[0]:
                    first = (hits[0][0], kw)
        combo_first: tuple[int, str] | None = None
        for groups in kind.combos:
            hits, label = _combo_spans(norm, groups, masked, self.window)
            if hits:
                spans.extend(hits)
                if combo_first is None or hits[0][0] < combo_first[0]:
                    combo_first = (hits[0][0], label)
        # A plain keyword names the evidence better than a combination ("燃气泄漏", not "家里+燃气").
        chosen = first or combo_first
        return spans, chosen[1] if chosen else ""

    def classify(self, text: str) -> TriageResult:
        norm = normalize(text)
        if not norm:
            return TriageResult()
        matched: dict[str, tuple[EmergencyKind, list[Span], str]] = {}
        for kind in self.kinds:
            spans, keyword = self._match_kind(norm, kind)
            if spans:
                matched[kind.id] = (kind, spans, keyword)
        dropped = set()
        for kid, (kind, spans, _kw) in matched.items():
            for other in kind.overrides:
                if other in matched and all(
                        any(a[0] <= s[0] and s[1] <= a[1] for a in spans)
                        for s in matched[other][1]):
                    dropped.add(other)
        # A generic kind (someone trapped, a medical emergency) gives way to any specific kind;
        # its services still go out, as a modifier would add them.
        specific = [kid for kid, m in matched.items() if kid not in dropped and not m[0].generic]
        extra: list[tuple[str, str]] = []
        extra_urgency = ""
        if specific:
            for kid, (kind, _spans, keyword) in matched.items():
                if kind.generic and kid not in dropped:
                    dropped.add(kid)
                    extra.extend((s, keyword) for s in kind.services)
                    extra_urgency = max_urgency(extra_urgency, kind.urgency)
        ordered = sorted((m for kid, m in matched.items() if kid not in dropped),
                         key=lambda m: -m[0].severity)

        modifiers: list[tuple[Modifier, str]] = []
        if ordered:
            for mod in self.modifiers:
                masked = _masks(norm, mod.exclude)
                kw = next((k for k in mod.keywords if _find_all(norm, k, masked)), None)
                if kw is not None:
                    modifiers.append((mod, kw))

        emergencies: list[tuple[str, str, str]] = []

        def notify(service: str, keyword: str) -> None:
            if all(service != e[0] for e in emergencies):
                emergencies.append((service, self.service_name(service), keyword))

        kinds: list[KindMatch] = []
        advice: list[str] = []
        lines: list[str] = []
        disaster: list[str] = []
        for kind, _spans, keyword in ordered:
            services = tuple(kind.services)
            urgency = kind.urgency
            for mod, _mkw in modifiers:
                services += tuple(s for s in mod.services if s not in services)
                urgency = max_urgency(urgency, mod.urgency)
            services += tuple(dict.fromkeys(s for s, _kw in extra if s not in services))
            urgency = max_urgency(urgency, extra_urgency)
            kinds.append(KindMatch(kind.id, kind.name, keyword, kind.severity, services, urgency,
                                   bool(kind.follow_up and kind.follow_up.immediate_dispatch)))
            for service in kind.services:
                notify(service, keyword)
            advice.extend(a for a in kind.advice if a not in advice)
            lines.extend(u for u in kind.utility_lines if u not in lines)
            if kind.disaster and keyword not in disaster:
                disaster.append(keyword)
        for service, keyword in extra:
            notify(service, keyword)
        for mod, mkw in modifiers:
            for service in mod.services:
                notify(service, mkw)
        # Legacy per-service keywords (a data directory without kinds still works).
        for rule in self.emergency:
            kw = next((k for k in rule.keywords if _find_all(norm, k, [])), None)
            if kw is not None:
                notify(rule.service, kw)

        utilities: list[tuple[str, str]] = []
        utility_follow: list[FollowUp] = []
        for rule in self.utility:
            kw = next((k for k in rule.keywords if _find_all(norm, k, [])), None)
            if kw is not None:
                utilities.append((rule.domain, kw))
                fu = rule.follow_up_for(kw)
                if fu is not None:
                    utility_follow.append(fu)
        for kw in self.disaster:
            if kw not in disaster and _find_all(norm, kw, []):
                disaster.append(kw)

        follow_up = self._follow_up(ordered, kinds, utility_follow)
        return TriageResult(tuple(emergencies), tuple(utilities), tuple(disaster[:3]),
                            tuple(kinds), tuple((m.name, kw) for m, kw in modifiers),
                            tuple(advice), tuple(lines), follow_up)

    @staticmethod
    def _follow_up(ordered, kinds: list[KindMatch],
                   utility_follow: list[FollowUp]) -> FollowUp | None:
        candidates = [k.follow_up for k, _s, _kw in ordered if k.follow_up is not None]
        candidates += utility_follow
        if not candidates:
            return None
        lead = candidates[0]
        co: list[str] = []
        for fu in candidates[1:]:
            if fu.unit != lead.unit and fu.unit not in co:
                co.append(fu.unit)
        urgency = max_urgency(lead.urgency, *(k.urgency for k in kinds))
        immediate = lead.immediate_dispatch or any(k.immediate_dispatch for k in kinds) \
            or bool(utility_follow)
        source = lead.source or (ordered[0][0].id if ordered else "")
        return FollowUp(lead.unit, lead.category, lead.request_type, urgency, immediate,
                        source, tuple(co))


# --- building the rules from the shipped table (a parsed dict; no file access here) ---

def _follow_up_from(data: dict | None, source: str) -> FollowUp | None:
    if not data:
        return None
    return FollowUp(data["unit"], data["category"], data.get("request_type"),
                    data.get("urgency", "特急"), bool(data.get("immediate_dispatch", False)),
                    source)


def triage_rules_from_data(em: dict) -> TriageRules:
    """``em`` is data/emergency.json, parsed."""
    emergency = tuple(
        EmergencyRule(s["service"], s["name"], tuple(s.get("keywords", ())), s["script"])
        for s in em["services"]
    )
    utility = []
    for u in em.get("utility", ()):
        by_keyword = []
        for kw, target in u.get("by_keyword", {}).items():
            if isinstance(target, str):
                by_keyword.append((kw, target, None))
            else:
                by_keyword.append((kw, target["category"], target.get("unit")))
        utility.append(UtilityRule(u["domain"], tuple(u["keywords"]),
                                   _follow_up_from(u.get("follow_up"), f"utility:{u['domain']}"),
                                   tuple(by_keyword)))
    kinds = tuple(
        EmergencyKind(
            id=k["id"], name=k["name"], severity=int(k["severity"]),
            keywords=tuple(k.get("keywords", ())), services=tuple(k.get("services", ())),
            follow_up=_follow_up_from(k.get("follow_up"), k["id"]),
            combos=tuple(tuple(tuple(g) for g in combo) for combo in k.get("combos", ())),
            exclude=tuple(k.get("exclude", ())), advice=tuple(k.get("advice", ())),
            utility_lines=tuple(k.get("utility_lines", ())),
            overrides=tuple(k.get("overrides", ())), disaster=bool(k.get("disaster", False)),
            generic=bool(k.get("generic", False)),
        )
        for k in em.get("kinds", ())
    )
    modifiers = tuple(
        Modifier(m["id"], m["name"], tuple(m["keywords"]), tuple(m.get("services", ())),
                 m.get("urgency", ""), tuple(m.get("exclude", ())))
        for m in em.get("modifiers", ())
    )
    return TriageRules(emergency, tuple(utility),
                       tuple(em.get("disaster", {}).get("keywords", ())), kinds, modifiers,
                       int(em.get("window", DEFAULT_WINDOW)))
