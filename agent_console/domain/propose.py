"""Propose a request's type (Art. 3: 咨询/求助/投诉/举报/意见建议) and its region (the 旗县市区
of Tongliao) from what the caller said, with the word that decided it, so the form can say
据“建国路”推断为科尔沁区. A proposal is only a pre-filled suggestion the agent confirms.

Both use the same matching: normalised text, the longest phrase first, phrases never overlap
(如何投诉 is a question, so its 投诉 does not count as a complaint). Where the evidence is
ambiguous or contradictory nothing is proposed: a wrong region misroutes the order.

The tables are in data/request_type_cues.json, data/regions.json (names, short forms, aliases,
towns) and data/places.json (streets, compounds and landmarks; ambiguous names).
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_console.domain.normalize import normalize

# Evidence levels for a region, strongest first.
REGION_NAME = 3  # 科尔沁区, 科区, 开鲁县, 扎旗 …
TOWN = 2  # 乡镇苏木街道: 钱家店镇, 甘旗卡 …
PLACE = 1  # streets, compounds, landmarks: 建国路, 明仁小区 …; also weak names (开发区)
BASIS = {REGION_NAME: "旗县市区名称", TOWN: "乡镇苏木街道", PLACE: "街路小区地标"}
TOWN_SUFFIXES = ("苏木", "街道", "镇", "乡")
STEM_SUFFIXES = ("苏木", "镇", "乡")  # 街道 stems (建国, 明仁 …) are street names too
MIN_NAME = 3  # shorter names (新镇) say too little on their own
MIN_STEM = 3

Span = tuple[int, int]


@dataclass(frozen=True)
class Proposal:
    value: str  # the request type label or the region's full name
    evidence: str  # the word that decided it, as written in the data
    source: str = "text"  # "address" | "text"
    basis: str = ""  # what kind of evidence (旗县市区名称 / 乡镇苏木街道 / 街路小区地标 / 诉求用语)

    def explain(self) -> str:
        return f"据“{self.evidence}”推断为{self.value}"


def _longest_first(norm: str, words: list[tuple[str, object]],
                   masked: list[Span] = ()) -> list[tuple[Span, str, object]]:
    """Occurrences of ``words`` (word, payload) in ``norm``, longest first, never overlapping
    each other or a masked span; returned in text order."""
    hits: list[tuple[Span, str, object]] = []
    for word, payload in words:
        needle = normalize(word)
        if not needle:
            continue
        start = norm.find(needle)
        while start >= 0:
            hits.append(((start, start + len(needle)), word, payload))
            start = norm.find(needle, start + 1)
    hits.sort(key=lambda h: (-(h[0][1] - h[0][0]), h[0][0]))
    taken: list[Span] = list(masked)
    out: list[tuple[Span, str, object]] = []
    for span, word, payload in hits:
        if any(span[0] < t[1] and t[0] < span[1] for t in taken):
            continue
        taken.append(span)
        out.append((span, word, payload))
    out.sort(key=lambda h: h[0][0])
    return out


# --- request type ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cue:
    word: str
    request_type: str
    weight: int


@dataclass(frozen=True)
class RequestTypeRules:
    cues: tuple[Cue, ...]
    precedence: tuple[str, ...]  # on a tie, the earlier type wins (举报 before 投诉 …)

    def scores(self, text: str) -> dict[str, tuple[int, tuple[str, ...]]]:
        """request type → (score, the cue words that matched, strongest first)."""
        norm = normalize(text)
        out: dict[str, list] = {}
        if not norm:
            return {}
        for _span, word, cue in _longest_first(norm, [(c.word, c) for c in self.cues]):
            entry = out.setdefault(cue.request_type, [0, []])
            if word not in (w for _wt, w in entry[1]):
                entry[0] += cue.weight
                entry[1].append((cue.weight, word))
        return {t: (score, tuple(w for _wt, w in sorted(words, key=lambda x: -x[0])))
                for t, (score, words) in out.items()}

    def propose(self, text: str) -> Proposal | None:
        scores = self.scores(text)
        if not scores:
            return None

        def rank(t: str) -> tuple[int, int]:
            pos = self.precedence.index(t) if t in self.precedence else len(self.precedence)
            return (-scores[t][0], pos)

        best = min(scores, key=rank)
        return Proposal(best, scores[best][1][0], "text", "诉求用语")


def request_type_rules_from_data(data: dict) -> RequestTypeRules:
    """``data`` is data/request_type_cues.json, parsed."""
    cues = []
    for entry in data["types"]:
        for group in entry["cues"]:
            cues.extend(Cue(w, entry["request_type"], int(group["weight"])) for w in group["words"])
    return RequestTypeRules(tuple(cues), tuple(data.get("precedence", ())))


# --- region ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    name: str
    regions: tuple[str, ...]  # more than one: ambiguous on its own
    level: int


@dataclass(frozen=True)
class PlaceMatch:
    place: Place
    span: Span


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[Place, ...]
    exclude: tuple[str, ...] = ()  # phrases that are no place (儿科区 holds 科区)

    def matches(self, text: str) -> tuple[PlaceMatch, ...]:
        norm = normalize(text)
        if not norm:
            return ()
        masked = [s for s, _w, _p in _longest_first(norm, [(e, None) for e in self.exclude])]
        hits = _longest_first(norm, [(p.name, p) for p in self.places], masked)
        return tuple(PlaceMatch(p, span) for span, _w, p in hits)

    def decide(self, text: str) -> tuple[str, Place] | None:
        """The one region the text points to and the evidence; None when nothing is known or
        the evidence is ambiguous or contradictory."""
        found = self.matches(text)
        candidates: set[str] | None = None
        evidence: Place | None = None
        for level in (REGION_NAME, TOWN, PLACE):
            at = [m.place for m in found if m.place.level == level]
            if not at:
                continue
            if level == PLACE and candidates is not None and len(candidates) == 1:
                break  # street names repeat in county seats: the stronger evidence stands
            sure = {p.regions[0] for p in at if len(p.regions) == 1}
            if len(sure) > 1:
                return None  # two regions named at the same level
            constraint = set(at[0].regions)
            for p in at[1:]:
                constraint &= set(p.regions)
            narrowed = constraint if candidates is None else candidates & constraint
            if not narrowed:
                if level == PLACE:
                    break
                return None  # a town of another region than the one named
            candidates = narrowed
            if evidence is None or len(evidence.regions) > 1:
                evidence = next((p for p in at if len(p.regions) == 1), evidence or at[0])
        if candidates is None or len(candidates) != 1 or evidence is None:
            return None
        region = next(iter(candidates))
        if region not in evidence.regions:
            return None
        return region, evidence

    def propose(self, address: str = "", text: str = "") -> Proposal | None:
        """From the address first (where it happened), then from the request text."""
        for source, value in (("address", address), ("text", text)):
            decided = self.decide(value or "")
            if decided is not None:
                region, place = decided
                return Proposal(region, place.name, source, BASIS[place.level])
        return None


def _town_stem(town: str) -> str | None:
    for suffix in STEM_SUFFIXES:
        if town.endswith(suffix):
            stem = town[: -len(suffix)]
            return stem if len(stem) >= MIN_STEM else None
    return None


def gazetteer_from_data(regions: list[dict], places: dict) -> Gazetteer:
    """``regions`` is data/regions.json, ``places`` data/places.json, both parsed."""
    by_name: dict[str, tuple[set[str], int]] = {}

    def add(name: str, region: str | tuple[str, ...], level: int, force: bool = False) -> None:
        name = name.strip()
        if not name:
            return
        names = {region} if isinstance(region, str) else set(region)
        if force and name in by_name and by_name[name][0] == names:
            by_name[name] = (names, level)  # places.json demotes a weak short form (开发区)
        elif name in by_name:
            known, known_level = by_name[name]
            by_name[name] = (known | names, max(known_level, level))
        else:
            by_name[name] = (names, level)

    skipped = set(places.get("skip", ()))
    for r in regions:
        name = r["name"]
        for alias in {name, r.get("short") or name, *r.get("aliases", ())}:
            add(alias, name, REGION_NAME)
        for town in r.get("towns", ()):
            if town in skipped:
                continue
            if len(town) >= MIN_NAME:
                add(town, name, TOWN)
            stem = _town_stem(town)
            if stem and stem not in skipped:
                add(stem, name, TOWN)
    for item in places.get("places", ()):
        level = {"region": REGION_NAME, "town": TOWN}.get(item.get("level", ""), PLACE)
        add(item["name"], tuple(item["regions"]) if "regions" in item else item["region"], level,
            force=True)
    for item in places.get("ambiguous", ()):
        add(item["name"], tuple(item["regions"]),
            {"region": REGION_NAME, "town": TOWN}.get(item.get("level", ""), PLACE))
    order = [r["name"] for r in regions]
    built = tuple(
        Place(name, tuple(sorted(rs, key=lambda x: order.index(x) if x in order else 99)), level)
        for name, (rs, level) in by_name.items()
    )
    return Gazetteer(built, tuple(places.get("exclude", ())))


@dataclass(frozen=True)
class Proposer:
    """Both proposals together, as the intake form wants them."""

    request_types: RequestTypeRules
    gazetteer: Gazetteer

    def request_type(self, text: str) -> Proposal | None:
        return self.request_types.propose(text)

    def region(self, address: str = "", text: str = "") -> Proposal | None:
        return self.gazetteer.propose(address, text)
