"""One reading of a request, typed into the search box or spoken to the voice box.

People type the way they speak ("내선 1234", "택시 면허 담당자", "교통정책과 팀장님"), so both
readings peel the same words, from the same lists:

* request verbs and fillers ("전화해 줘", "연결해 주세요", "좀");
* particles (한테, 에게, 이랑, 께), honorifics (님, 씨) and, for voice, titles;
* generic words that no entry holds (담당, 담당자, 연락처, 번호, 내선, 전화);
* an extension typed or said in digits ("내선 오공공일번" → 5001);
* a department named in the phrase, which then scopes the result.

A typed query keeps its word boundaries (every remaining word must match somewhere); a spoken
one is read with every space removed, because recognisers put spaces anywhere. The lists are
also shipped to phones inside the offline snapshot (:func:`word_lists`), where
static/js/directory-offline.js reads them: the rules are written once, here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core import hangul
from core.directory.index import DirectoryIndex

MAX_QUERY = 100
MAX_TRANSCRIPT = 200

# Where the request itself starts; everything from the last one on is dropped.
ACTION_WORDS = ("전화", "통화", "연결", "연락", "걸어", "바꿔", "돌려")  # not 콜: 콜센터
# What follows a request verb ("연결해 주세요", "걸어 줘"), also as separate typed words.
REQUEST_ENDINGS = ("해주세요", "해줄래", "해줘", "해서", "주세요", "주실래요", "부탁해요", "부탁해", "부탁합니다",
                   "부탁드립니다", "드려요", "드려", "할래", "줄래", "주라", "해", "줘", "좀", "요")
LEADING_FILLERS = ("저기요", "저기", "혹시", "그럼", "음", "좀")  # not 아/어: 아동청소년과
TRAILING_FILLERS = ("좀", "빨리", "지금", "부탁", "으로", "로")
DIGIT_MARKERS = ("내선번호", "내선", "번호")
# Typed words that say what is wanted but that no entry holds; longest first.
GENERIC_WORDS = ("전화번호", "내선번호", "연락처", "담당자", "담당", "번호", "내선", "전화", "연락")
NUMBER_ENDINGS = ("번으로", "번에", "번", "으로", "로")
_PUNCT = re.compile(r"[^\w\s]")
_REQUEST = re.compile("^(?:" + "|".join(ACTION_WORDS) + ")+(?:" + "|".join(REQUEST_ENDINGS) + ")*$")
_VERB_FIRST = re.compile("^(?:" + "|".join(ACTION_WORDS) + ")+(?:" + "|".join(REQUEST_ENDINGS) + ")*")
_ENDINGS = re.compile("^(?:" + "|".join(REQUEST_ENDINGS) + ")+$")
_GLUED_NUMBER = re.compile("^(?:" + "|".join(DIGIT_MARKERS) + r")?(\d{3,})(?:"
                           + "|".join(e for e in NUMBER_ENDINGS if e.startswith("번")) + ")?$")


@dataclass
class Parsed:
    """What a request says: ``words`` (typed) or ``query`` (spoken) is what is left to match."""

    transcript: str
    normalized: str = ""
    name: str = ""
    department: str = ""
    title: str = ""
    extension: str = ""
    query: str = ""
    fuzzy: bool = False
    department_ids: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"transcript": self.transcript, "normalized": self.normalized, "name": self.name,
                "department": self.department, "title": self.title, "extension": self.extension,
                "query": self.query, "fuzzy": self.fuzzy}


def word_lists() -> dict[str, Any]:
    """Every list the readings use, as JSON data for the offline snapshot."""
    return {"action_words": list(ACTION_WORDS), "request_endings": list(REQUEST_ENDINGS),
            "leading_fillers": list(LEADING_FILLERS), "trailing_fillers": list(TRAILING_FILLERS),
            "digit_markers": list(DIGIT_MARKERS), "generic_words": list(GENERIC_WORDS),
            "number_endings": list(NUMBER_ENDINGS), "particles": list(hangul.PARTICLES),
            "honorifics": list(hangul.HONORIFICS), "titles": list(hangul.TITLES),
            "department_suffixes": list(hangul.DEPARTMENT_SUFFIXES), "digit_words": dict(hangul.DIGIT_WORDS),
            "compound_surnames": sorted(hangul.COMPOUND_SURNAMES)}


def cut_request(text: str) -> str:
    """Drop the request verb and what follows it: "김민준한테전화걸어줘" → "김민준한테"."""
    verb_first = _VERB_FIRST.match(text)
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


def ends_with_name(index: DirectoryIndex, text: str) -> bool:
    """True when ``text`` ends with somebody's whole name: "김하랑" is not "김하" + the particle 랑."""
    return any(text[-k:] in index.by_name for k in range(2, min(len(text), 5) + 1))


def strip_person_words(text: str, groups: tuple[tuple[str, ...], ...] = (
        hangul.PARTICLES, hangul.HONORIFICS, hangul.TITLES), index: DirectoryIndex | None = None) -> tuple[str, str]:
    """Peel particles, honorifics and titles off the end, in any order: returns (rest, title).
    With ``index``, peeling stops at a whole name."""
    title = ""
    changed = True
    while changed and text:
        changed = False
        for group in groups:
            if index is not None and ends_with_name(index, text):
                return text, title
            rest, removed = hangul.strip_suffixes(text, group, min_left=1)
            if removed:
                if group is hangul.TITLES and not title:
                    title = removed
                text, changed = rest, True
    return text, title


def _number_tail(text: str) -> str:
    for ending in NUMBER_ENDINGS:
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def extension_in(text: str) -> tuple[str, str]:
    """Digits said or typed as an extension: returns (digits, text without them)."""
    match = re.search(r"(내선번호|내선|번호)?(\d{3,})(번으로|번에|번)?", text)
    if match:
        return match.group(2), (text[: match.start()] + text[match.end():])
    for marker in DIGIT_MARKERS:
        at = text.find(marker)
        if at != -1:
            digits = hangul.spoken_digits(_number_tail(text[at + len(marker):]))
            if len(digits) >= 3:
                return digits, text[:at]
    digits = hangul.spoken_digits(re.sub(r"(번으로|번에|번)$", "", text))
    if len(digits) >= 4:
        return digits, ""
    return "", text


def department_in(index: DirectoryIndex, text: str) -> tuple[str, list[int], str]:
    """The longest department key inside ``text``: (department name, ids, text without it)."""
    for key in index.department_keys:
        at = text.find(key.key)
        if at != -1:
            return key.name, key.department_ids, text[:at] + text[at + len(key.key):]
    return "", [], text


def parse_spoken(index: DirectoryIndex, transcript: str) -> Parsed:
    """A transcript read with its spaces removed; ``query`` is what names or duties must match."""
    parsed = Parsed(transcript=transcript)
    text = hangul.compact(_PUNCT.sub(" ", transcript[:MAX_TRANSCRIPT]))
    parsed.normalized = text
    text = cut_request(text)
    text, parsed.title = strip_person_words(text, index=index)
    parsed.extension, text = extension_in(text)
    parsed.department, parsed.department_ids, rest = department_in(index, text)
    rest, title = strip_person_words(rest, index=index)
    parsed.title = parsed.title or title
    parsed.query = rest
    return parsed


def _exact_department(index: DirectoryIndex, word: str) -> tuple[str, list[int]] | None:
    for key in index.department_keys:
        if len(key.key) < len(word):
            break  # longest first: no longer key can equal it
        if key.key == word:
            return key.name, key.department_ids
    return None


def parse_typed(index: DirectoryIndex, query: str) -> Parsed:
    """A typed query, word by word: ``words`` are the meaningful ones left after peeling, ``dropped``
    the request, generic and particle-only words taken out, and a department word moves to ``department``."""
    text = hangul.normalize_spacing(_PUNCT.sub(" ", query[:MAX_QUERY]))
    parsed = Parsed(transcript=query, normalized=hangul.compact(text))
    after_marker = False
    for raw in text.split(" "):
        word = hangul.compact(raw)
        if not word:
            continue
        glued = _GLUED_NUMBER.match(word)
        spoken = hangul.spoken_digits(_number_tail(word)) if after_marker else ""
        if glued or len(spoken) >= 3:
            parsed.extension = glued.group(1) if glued else spoken
            parsed.words.append(parsed.extension)
            after_marker = False
            if word != parsed.extension:
                parsed.dropped.append(word)
            continue
        if _REQUEST.match(word) or _ENDINGS.match(word) or word in LEADING_FILLERS or word in TRAILING_FILLERS:
            parsed.dropped.append(word)
            continue
        core, _ = strip_person_words(word, (hangul.PARTICLES, hangul.HONORIFICS), index)
        if core in hangul.PARTICLES or core in hangul.HONORIFICS or core in GENERIC_WORDS:
            parsed.dropped.append(word)
            after_marker = core in DIGIT_MARKERS
            continue
        after_marker = False
        if core != word:
            parsed.dropped.append(word)
        parsed.words.append(core)
    _take_department(index, parsed)
    return parsed


def _take_department(index: DirectoryIndex, parsed: Parsed) -> None:
    """A word (or two adjacent words: "교통 정책과") that is a department's key scopes the result."""
    words = parsed.words
    whole = "".join(words)
    found = _exact_department(index, whole) if len(words) > 1 else None
    if found:
        parsed.department, parsed.department_ids = found
        parsed.words = []
        return
    best: tuple[int, int, tuple[str, list[int]]] | None = None
    for i in range(len(words)):
        for span in (2, 1):
            if i + span > len(words):
                continue
            hit = _exact_department(index, "".join(words[i:i + span]))
            if hit and (best is None or span > best[1]):
                best = (i, span, hit)
    if best:
        i, span, (parsed.department, parsed.department_ids) = best
        parsed.words = words[:i] + words[i + span:]
