"""Voice dialling: turn a spoken request ("교통정책과 김민준 주무관 연결해 줘") into ranked contacts.

Speech recognisers put spaces anywhere and mishear a syllable now and then, so the
matcher works on the transcript with every space removed and looks for the names and
department keys it knows inside it, rather than trusting word boundaries:

The reading (steps 1–4) is :func:`core.directory.query.parse_spoken`, whose word lists typed search
and the phones' offline copy share:

1. cut the request verb ("전화해줘", "연결해 주세요", "걸어줘") and fillers;
2. strip particles (한테, 에게, 이랑, 께), honorifics (님, 씨) and titles (주무관, 팀장…);
3. read an extension said as digits ("내선 오공공일번" → 5001);
4. find the longest department key (with or without its 과/팀/동 suffix);
5. find the name exactly, as a given name, or one misheard syllable away (jamo distance);
6. otherwise match duties and titles inside the named department, else the ordinary search.

``action`` is ``call`` only when the best candidate is clearly ahead of the next one.
"""
from __future__ import annotations

from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy.orm import Session

from core import hangul
from core.directory.index import DirectoryIndex, Entry, get_index
from core.directory.query import MAX_TRANSCRIPT, Parsed, parse_spoken
from core.directory.search import MAIN_LINE, scoped, scored

__all__ = ["MAX_TRANSCRIPT", "Parsed", "decide", "match", "parse", "voice_dial"]

CANDIDATES = 10
CALL_MIN_SCORE = 80.0
CALL_MARGIN = 15.0
parse = parse_spoken  # the reading is shared with typed search: core.directory.query


def _names_in(index: DirectoryIndex, text: str) -> tuple[str, list[tuple[str, float]]]:
    """Names in ``text``: an exact full name (longest), else names one misheard syllable away."""
    # Every substring of the transcript looked up in the names' dict: the cost follows the transcript's
    # length (at most MAX_TRANSCRIPT × the longest name), not the directory's size.
    longest = min(index.longest_name, len(text))
    exact = [piece for length in range(2, longest + 1) for start in range(len(text) - length + 1)
             if (piece := text[start:start + length]) in index.by_name]
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


def _candidates(index: DirectoryIndex, parsed: Parsed) -> list[tuple[Entry, float]]:
    scores: dict[int, float] = {}
    in_dept = set(parsed.department_ids)

    people = index.people

    def add(position: int, score: float) -> None:
        if in_dept:
            score += 20 if people.department_id[position] in in_dept else -30
        title = people.title[position]
        if parsed.title and title:
            score += 5 if title == parsed.title else -5
        scores[position] = max(scores.get(position, -1e9), score)

    if parsed.extension:
        hits = index.digits.scan(parsed.extension) if len(parsed.extension) >= 7 else {}
        hits.update(index.digits.exact_scores(parsed.extension))
        for position in hits:
            add(position, 100 if people.extension[position] == parsed.extension else 90)

    if parsed.query:
        word, names = _names_in(index, parsed.query)
        if names and names[0][1] == 0:
            parsed.name = names[0][0]
            for position in index.by_name[parsed.name]:
                add(position, 100)
        elif word in index.by_given:
            parsed.name = word  # a given name alone: "민준 씨한테"
            for position in index.by_given[word]:
                add(position, 70)
        elif names:
            parsed.name, parsed.fuzzy = names[0][0], True
            for name, distance in names:
                for position in index.by_name[name]:
                    add(position, 100 - 12 * distance)

    if not scores and in_dept and not parsed.query:
        # Only a department: "마두1동 동장님" → the person with that title; "교통정책과" → its main line.
        for dept_id in parsed.department_ids:
            for position in index.by_department.get(dept_id, ()):
                if parsed.title:
                    add(position, 75 if people.title[position] == parsed.title else 30)
                else:
                    main_line = people.kind[position] == "contact" and people.name[position].endswith(MAIN_LINE)
                    add(position, 60 if main_line else 40)

    if not scores and in_dept and parsed.query:
        # The named department limits the candidates: "스마트도시과 대표전화", "교통정책과 서무 담당".
        inside = scoped(index, parsed.query, parsed.department_ids, CANDIDATES)
        for position, score in inside.items():
            # One match there ("교통정책과 대표전화") is sure enough to dial.
            add(position, max(min(score / 6, 75), CALL_MIN_SCORE - 20 if len(inside) == 1 else 0))
    if not scores:
        # Duties and titles said in words: "주정차 단속 담당" → the ordinary search.
        for position, score in scored(index, parsed.query or parsed.normalized, CANDIDATES).items():
            add(position, min(score / 6, 75))

    ordered = sorted(scores.items(), key=lambda item: (-item[1], people.place[item[0]]))
    return [(index.entry(position), score) for position, score in ordered[:CANDIDATES]]


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
