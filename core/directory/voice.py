"""Voice dialling: turn a spoken request ("교통정책과 김민준 주무관 연결해 줘") into ranked contacts.

Speech recognisers put spaces anywhere and mishear a syllable now and then, so the
matcher works on the transcript with every space removed and looks for the names and
department keys it knows inside it, rather than trusting word boundaries:

1. cut the request verb ("전화해줘", "연결해 주세요", "걸어줘") and fillers;
2. strip particles (한테, 에게, 이랑, 께), honorifics (님, 씨) and titles (주무관, 팀장…);
3. read an extension said as digits ("내선 오공공일번" → 5001);
4. find the longest department key (with or without its 과/팀/동 suffix);
5. find the name exactly, as a given name, or one misheard syllable away (jamo distance);
6. otherwise fall back to the ordinary search (duties, titles).

``action`` is ``call`` only when the best candidate is clearly ahead of the next one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy.orm import Session

from core import hangul
from core.directory.index import DirectoryIndex, Entry, get_index
from core.directory.search import search

MAX_TRANSCRIPT = 200
CANDIDATES = 10
CALL_MIN_SCORE = 80.0
CALL_MARGIN = 15.0

# Where the request itself starts; everything from the last one on is dropped.
ACTION_WORDS = ("전화", "통화", "연결", "연락", "걸어", "바꿔", "돌려")  # not 콜: 콜센터
LEADING_FILLERS = ("저기요", "저기", "혹시", "그럼", "음", "좀")  # not 아/어: 아동청소년과
TRAILING_FILLERS = ("좀", "빨리", "지금", "부탁", "으로", "로")
DIGIT_MARKERS = ("내선번호", "내선", "번호")
_PUNCT = re.compile(r"[^\w\s]")


@dataclass
class Parsed:
    transcript: str
    normalized: str = ""
    name: str = ""
    department: str = ""
    title: str = ""
    extension: str = ""
    query: str = ""
    fuzzy: bool = False
    department_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"transcript": self.transcript, "normalized": self.normalized, "name": self.name,
                "department": self.department, "title": self.title, "extension": self.extension,
                "query": self.query, "fuzzy": self.fuzzy}


def _cut_request(text: str) -> str:
    """Drop the request verb and what follows it: "김민준한테전화걸어줘" → "김민준한테"."""
    verb_first = re.match(r"^(" + "|".join(ACTION_WORDS) + r")+(해|해서|좀|줘|주세요|요)*", text)
    if verb_first and len(text) > verb_first.end():
        text = text[verb_first.end():]  # "전화해줘 김민준": the verb came first
    while True:
        cut = max((text.rfind(w) for w in ACTION_WORDS), default=-1)
        if cut <= 0:
            break
        text = text[:cut]
    changed = True
    while changed:
        changed = False
        for filler in LEADING_FILLERS:
            if text.startswith(filler) and len(text) > len(filler) + 1:
                text, changed = text[len(filler):], True
        for filler in TRAILING_FILLERS:
            if text.endswith(filler) and len(text) > len(filler) + 1:
                text, changed = text[: -len(filler)], True
    return text


def _strip_person_words(text: str) -> tuple[str, str]:
    """Peel particles, honorifics and titles off the end, in any order: returns (rest, title)."""
    title = ""
    changed = True
    while changed and text:
        changed = False
        for group in (hangul.PARTICLES, hangul.HONORIFICS, hangul.TITLES):
            rest, removed = hangul.strip_suffixes(text, group, min_left=1)
            if removed:
                if group is hangul.TITLES and not title:
                    title = removed
                text, changed = rest, True
    return text, title


def _extension(text: str) -> tuple[str, str]:
    """Digits said or typed as an extension: returns (digits, text without them)."""
    match = re.search(r"(내선번호|내선|번호)?(\d{3,})(번으로|번에|번)?", text)
    if match:
        return match.group(2), (text[: match.start()] + text[match.end():])
    for marker in DIGIT_MARKERS:
        at = text.find(marker)
        if at != -1:
            spoken = text[at + len(marker):]
            spoken = re.sub(r"(번으로|번에|번|으로|로)$", "", spoken)
            digits = hangul.spoken_digits(spoken)
            if len(digits) >= 3:
                return digits, text[:at]
    bare = re.sub(r"(번으로|번에|번)$", "", text)
    digits = hangul.spoken_digits(bare)
    if len(digits) >= 4:
        return digits, ""
    return "", text


def _department(index: DirectoryIndex, text: str) -> tuple[str, list[int], str]:
    """The longest department key inside ``text``: (department name, ids, text without it)."""
    for key in index.department_keys:
        at = text.find(key.key)
        if at != -1 and len(text) > 0:
            rest = text[:at] + text[at + len(key.key):]
            return key.name, key.department_ids, rest
    return "", [], text


def _names_in(index: DirectoryIndex, text: str) -> tuple[str, list[tuple[str, float]]]:
    """Names in ``text``: an exact full name (longest), else names one misheard syllable away."""
    exact = [n for n in index.by_name if len(n) >= 2 and n in text]
    if exact:
        best = max(exact, key=len)
        return best, [(best, 0.0)]
    word = hangul.strip_particles(text)
    if not 2 <= len(word) <= 5 or not all(hangul.is_syllable(c) for c in word):
        return "", []
    found = process.extract(hangul.decompose(word), index.name_jamo, scorer=Levenshtein.distance,
                            score_cutoff=2 if len(word) >= 3 else 1, limit=30)
    near = [(index.names[i], hangul.sound_distance(word, index.names[i])) for _, _, i in found
            if len(index.names[i]) == len(word)]
    near = [(n, d) for n, d in near if d <= 1.5]
    return word, sorted(near, key=lambda item: item[1])


def parse(index: DirectoryIndex, transcript: str) -> Parsed:
    parsed = Parsed(transcript=transcript)
    text = hangul.compact(_PUNCT.sub(" ", transcript))
    parsed.normalized = text
    text = _cut_request(text)
    text, parsed.title = _strip_person_words(text)
    parsed.extension, text = _extension(text)
    parsed.department, parsed.department_ids, rest = _department(index, text)
    rest, title = _strip_person_words(rest)
    parsed.title = parsed.title or title
    parsed.query = rest
    return parsed


def _candidates(index: DirectoryIndex, parsed: Parsed) -> list[tuple[Entry, float]]:
    scores: dict[int, float] = {}
    in_dept = set(parsed.department_ids)

    def add(entry: Entry, score: float) -> None:
        if in_dept:
            score += 20 if entry.department_id in in_dept else -30
        if parsed.title and entry.title:
            score += 5 if entry.title == parsed.title else -5
        scores[entry.id] = max(scores.get(entry.id, -1e9), score)

    if parsed.extension:
        hits = index.digits.scan(parsed.extension) if len(parsed.extension) >= 7 else {}
        hits.update(index.digits.exact_scores(parsed.extension))
        for position in hits:
            entry = index.entries[position]
            add(entry, 100 if entry.extension == parsed.extension else 90)

    if parsed.query:
        word, names = _names_in(index, parsed.query)
        if names and names[0][1] == 0:
            parsed.name = names[0][0]
            for entry in index.by_name[parsed.name]:
                add(entry, 100)
        elif word in index.by_given:
            parsed.name = word  # a given name alone: "민준 씨한테"
            for entry in index.by_given[word]:
                add(entry, 70)
        elif names:
            parsed.name, parsed.fuzzy = names[0][0], True
            for name, distance in names:
                for entry in index.by_name[name]:
                    add(entry, 100 - 12 * distance)

    if not scores and in_dept and not parsed.query:
        # Only a department: "마두1동 동장님" → the person with that title; "교통정책과" → its main line.
        for dept_id in parsed.department_ids:
            for entry in index.by_department.get(dept_id, ()):
                if parsed.title:
                    add(entry, 75 if entry.title == parsed.title else 30)
                else:
                    add(entry, 60 if entry.kind == "contact" and entry.name.endswith("대표전화") else 40)

    if not scores:
        # Duties and titles said in words: "주정차 단속 담당" → the ordinary search.
        phrase = parsed.query or parsed.normalized
        for entry, score in search(index, phrase, CANDIDATES):
            add(entry, min(score / 6, 75))
        if in_dept and parsed.query:
            inside = {pid: s for pid, s in scores.items() if index.by_id[pid].department_id in in_dept}
            if len(inside) == 1:
                # The named department holds exactly one match ("교통정책과 대표전화"): sure enough to dial.
                inside = {pid: max(s, CALL_MIN_SCORE) for pid, s in inside.items()}
            scores = inside or scores

    ordered = sorted(scores.items(), key=lambda item: (-item[1], index.by_id[item[0]].order))
    return [(index.by_id[pid], score) for pid, score in ordered[:CANDIDATES]]


def decide(candidates: list[tuple[Entry, float]]) -> str:
    if not candidates:
        return "none"
    top = candidates[0][1]
    runner_up = candidates[1][1] if len(candidates) > 1 else -1e9
    return "call" if top >= CALL_MIN_SCORE and top - runner_up >= CALL_MARGIN else "choose"


def match(index: DirectoryIndex, transcript: str) -> dict[str, Any]:
    """The voice-dial answer: parsed parts, ranked candidates and call | choose | none."""
    parsed = parse(index, transcript[:MAX_TRANSCRIPT])
    candidates = _candidates(index, parsed)
    return {"parsed": parsed.as_dict(), "candidates": [e.as_result(s) for e, s in candidates],
            "action": decide(candidates)}


def voice_dial(session: Session, transcript: str) -> dict[str, Any]:
    return match(get_index(session), transcript)
