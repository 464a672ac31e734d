"""Ranked directory search: exact before prefix, prefix before contains, contains before fuzzy.

A score is ``tier * 100 + field weight * 10``: the tier (how well) always dominates the
field (where), so an exact department match outranks a partial name match, and among
exact matches a name outranks a duty.
"""
from __future__ import annotations

import heapq
import math
import operator
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice, repeat
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy.orm import Session

from core import hangul
from core.directory.index import W_DEPT, W_GIVEN, W_NAME, DirectoryIndex, Entry, Scanner, get_index
from core.directory.query import MAX_QUERY, Parsed, parse_typed
from core.directory.scanner import Ranked
from core.pagination import Window

EXACT, PREFIX, CONTAINS, FUZZY = 4, 3, 2, 1
MAIN_LINE = "대표전화"
_PHONE_PUNCT = re.compile(r"[\s\-().+]")


def _mixed_tier(name: str, name_initials: str, query: str, query_initials: str) -> int:
    """``김ㅁㅈ`` against ``김민준``: a lone consonant matches a syllable's initial, a syllable itself."""
    start = name_initials.find(query_initials)
    while start != -1:
        if all(q == name[start + i] or (hangul.is_consonant(q) and q == name_initials[start + i])
               for i, q in enumerate(query)):
            if start == 0:
                return EXACT if len(query) == len(name) else PREFIX
            return CONTAINS
        start = name_initials.find(query_initials, start + 1)
    return 0


def _fuzzy_names(index: DirectoryIndex, query: str) -> dict[str, float]:
    """Names one misheard or mistyped syllable away (``김민중`` → ``김민준``): name → jamo distance."""
    if not 2 <= len(query) <= 5 or not all(hangul.is_syllable(ch) for ch in query):
        return {}
    cutoff = 1 if len(query) == 2 else 2
    target = hangul.decompose(query)
    found = process.extract(target, index.name_jamo, scorer=Levenshtein.distance, score_cutoff=cutoff,
                            limit=50)
    return {index.names[i]: hangul.sound_distance(query, index.names[i]) for _, distance, i in found
            if distance > 0 and abs(len(index.names[i]) - len(query)) <= 1}


def _scan(scanner: Scanner, query: str, limit: int | None) -> dict[int, float]:
    """The page straight from the exact/prefix tables when they fill it ("김", "주무관"), else a scan."""
    if limit is not None:
        head = scanner.head(query, limit)
        if head is not None:
            return head
    return scanner.scan(query)


def _editable(scores: dict[int, float]) -> dict[int, float]:
    """``scores`` to add hits to: an exact table's (Ranked) are read-only, so a copy of those."""
    return dict(scores) if type(scores) is Ranked else scores


def score_entries(index: DirectoryIndex, query: str, limit: int | None = None,
                  complete: bool = False) -> dict[int, float]:
    """Matching entry positions with their scores: every match, or enough to fill ``limit`` in rank order.

    ``complete`` asks for every real match (to count them) while ``limit`` still says how many a page
    shows, which decides whether "did you mean" neighbours are worth adding.
    """
    text = hangul.normalize_spacing(query)[:MAX_QUERY]
    q = hangul.compact(text)
    if not q:
        return {}

    digits = _PHONE_PUNCT.sub("", text)
    if digits.isdigit():
        return _scan(index.digits, digits, None if complete else limit)

    if hangul.is_initials_query(q):
        return _scan(index.initials, q, None if complete else limit)

    if hangul.has_consonant(q):
        qi = hangul.initials(q)
        scores = {}
        for position in index.initials.scan(qi):
            tier = _mixed_tier(index.people.name[position], index.initials.first_key(position, W_NAME), q, qi)
            if tier:
                scores[position] = tier * 100 + W_NAME * 10
        return scores

    scores = _scan(index.text, q, None if complete else limit)
    tokens = list(dict.fromkeys(t for t in (hangul.compact(w) for w in text.split(" ")) if t))
    # Letters spaced out one by one ("주 교 동 행 정") are the whole string written oddly: matching each letter
    # would visit thousands of entries for nothing.
    spaced_out = all(len(t) == 1 for t in tokens)
    if len(tokens) > 1 and not spaced_out and (limit is None or complete or len(scores) < limit):
        # "교통정책과 김민준": every word must match somewhere and the weakest word sets the tier.
        # Only one word is scanned and the others are checked on its hits alone: the longest,
        # or among equally long ones the rarest ("관리 자료": 관리 is in thousands of duties).
        longest = max(len(t) for t in tokens)
        tied = [t for t in tokens if len(t) == longest]
        first = min(tied, key=index.text.estimate) if len(tied) > 1 else tied[0]
        every = index.text.scan(first)
        scores = _editable(scores)
        for token in tokens:
            if token != first:
                every = _narrow(index, every, token, text_only=True)
        for position, weakest in every.items():
            if weakest + len(tokens) > scores.get(position, 0):
                scores[position] = weakest + len(tokens)
    if limit is not None and sum(map(operator.le, repeat(200), scores.values())) >= limit:
        return scores  # a full page of real matches: fuzzy ones could never be shown
    if any(score >= EXACT * 100 + W_NAME * 10 for score in scores.values()):
        return scores  # the name exists as typed: no "did you mean" neighbours
    scores = _editable(scores)
    for name, distance in _fuzzy_names(index, q).items():
        for position in index.by_name.get(name, ()):
            if position not in scores:
                scores[position] = FUZZY * 100 + W_NAME * 10 - distance * 10
    if not scores and len(q) >= 2:
        # A given name with one slip ("민중" for 민준) only when nothing better exists.
        for given in index.by_given:
            if len(given) == len(q) and Levenshtein.distance(hangul.decompose(given), hangul.decompose(q)) == 1:
                for position in index.by_given[given]:
                    scores[position] = FUZZY * 100 + W_GIVEN * 10 - 10
    return scores


def _by_rank(places: Sequence[int], items: Iterable[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    # One number per hit: score first, then the directory's own order.
    return heapq.nlargest(limit, items, key=lambda item: item[1] * 1_000_000 - places[item[0]])


def top(index: DirectoryIndex, scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` (position, score) pairs: score first, then the directory's own order."""
    if type(scores) is Ranked:
        return list(islice(scores.items(), limit))   # in that order already ("주무관": 40,000 hits, 5 ms saved)
    return _by_rank(index.people.place, scores.items(), limit)


def rank(index: DirectoryIndex, scores: dict[int, float], limit: int) -> list[tuple[Entry, float]]:
    """The best ``limit`` hits as (Entry, score), made from the columns only for these."""
    return [(index.entry(position), score) for position, score in top(index, scores, limit)]


def _word_score(index: DirectoryIndex, position: int, word: str) -> float:
    """How well one word matches anywhere in an entry: digits, initials, a mixed name or text."""
    if word.isdigit():
        return index.digits.best(position, word)
    if hangul.is_initials_query(word):
        return index.initials.best(position, word)
    if hangul.has_consonant(word):
        tier = _mixed_tier(index.people.name[position], index.initials.first_key(position, W_NAME), word,
                           hangul.initials(word))
        return tier * 100 + W_NAME * 10 if tier else 0.0
    return index.text.best(position, word)


# What a hit costs, in tenths of a microsecond: a posting scored in C (the word is one n-gram), a posting checked
# in Python, and a word looked for in one entry's keys.
COST_GRAM_POSTING, COST_POSTING, COST_CHECK = 1, 15, 50


def _narrow(index: DirectoryIndex, hits: dict[int, float], word: str, text_only: bool = False) -> dict[int, float]:
    """The ``hits`` that also match ``word``, each with the weaker of its score and the word's.

    The word is looked for in each hit's keys, unless scanning for it and intersecting costs less: "민원 처리"
    has 6,000 hits of 민원 at 50,000, checked one by one in 40 ms, while all 처리's come from its postings in C.
    """
    scanner = index.text
    plain = text_only or not (word.isdigit() or hangul.has_consonant(word))
    if plain and len(word) >= scanner.n:
        per_posting = COST_GRAM_POSTING if len(word) == scanner.n else COST_POSTING
        if scanner.estimate(word) * per_posting < len(hits) * COST_CHECK:
            found = scanner.scan(word)
            return {p: min(hits[p], found[p]) for p in hits.keys() & found.keys()}
    check = scanner.best if text_only else partial(_word_score, index)
    return {p: min(score, other) for p, score in hits.items() if (other := check(p, word))}


def _all_words(index: DirectoryIndex, positions: Iterable[int], words: list[str]) -> dict[int, float]:
    """Of ``positions``, those matching every word, with the weakest word's score plus one a word."""
    if not words:
        return {}
    hits = dict.fromkeys(positions, math.inf)
    for word in words:
        hits = _narrow(index, hits, word)
    return {position: weakest + len(words) for position, weakest in hits.items()}


def _every_word(index: DirectoryIndex, words: list[str], limit: int) -> dict[int, float]:
    """Entries matching every word: the rarest long word is scanned, the others checked on its hits."""
    words = list(dict.fromkeys(words))
    if len(words) == 1:
        return score_entries(index, words[0], limit, complete=True)
    text_words = [w for w in words if not w.isdigit() and not hangul.has_consonant(w)] or words
    longest = max(len(w) for w in text_words)
    lead = min((w for w in text_words if len(w) == longest), key=index.text.estimate)
    every = score_entries(index, lead, None, complete=True)
    for word in words:
        if word != lead:
            every = _narrow(index, every, word)
    return {position: weakest + len(words) for position, weakest in every.items()}


def _most_words(index: DirectoryIndex, words: list[str], members: set[int]) -> dict[int, float]:
    """The best partial matches: entries matching the most words (a named department's first)."""
    count: dict[int, int] = {}
    total: dict[int, float] = {}
    for word in words:
        for position, score in score_entries(index, word, None, complete=True).items():
            count[position] = count.get(position, 0) + 1
            total[position] = total.get(position, 0.0) + score
    if not count:
        return {}
    best = max(count.values())
    return {position: total[position] / len(words) + (20 if position in members else 0)
            for position, n in count.items() if n == best}


@dataclass
class Found:
    """Every match of a typed query with its score (by entry position), and how the query was read."""

    scores: dict[int, float]
    parsed: Parsed
    partial: bool = False   # no entry matched every word: these match only some


def find(index: DirectoryIndex, query: str, limit: int = 20) -> Found:
    """Every match of a typed query, read by :func:`core.directory.query.parse_typed`.

    A query left as typed (nothing peeled, no department beside other words) takes the plain ranked
    search. Otherwise the peeled words must all match, inside the named department when there is one;
    failing that, the same words anywhere, then the entries matching the most words (``partial``).
    """
    parsed = parse_typed(index, query)
    words = parsed.words
    if not parsed.dropped and not (parsed.department and words):
        # A department alone, however spaced ("교통 정책과"), is searched as one word.
        plain = parsed.normalized if parsed.department else query
        found = Found(score_entries(index, plain, limit, complete=True), parsed)
        if found.scores or len(words) < 2:
            return found
    members = {p for d in parsed.department_ids for p in index.by_department.get(d, ())}
    if members and not words:
        # "스마트도시과 연락처": the department's people, its main line first.
        return Found({p: (EXACT * 100 + (W_NAME if _main_line(index, p) else W_DEPT) * 10) for p in members},
                     parsed)
    if not words:
        return Found({}, parsed)
    if members:
        inside = _all_words(index, members, words)
        if inside:
            return Found(inside, parsed)
    scores = _every_word(index, words, limit)
    if scores:
        return Found(scores, parsed, partial=bool(members))
    if len(words) > 1 or members:
        return Found(_most_words(index, words, members), parsed, partial=True)
    return Found({}, parsed)


def _main_line(index: DirectoryIndex, position: int) -> bool:
    return index.people.kind[position] == "contact" and index.people.name[position].endswith(MAIN_LINE)


def scoped(index: DirectoryIndex, phrase: str, department_ids: list[int], limit: int) -> dict[int, float]:
    """The best ``limit`` matches of ``phrase`` inside the named departments only (voice: "교통정책과 서무"),
    position → score."""
    members = [p for d in department_ids for p in index.by_department.get(d, ())]
    words = [w for w in (hangul.compact(w) for w in phrase.split(" ")) if w]
    return dict(top(index, _all_words(index, members, words), limit))


@dataclass(frozen=True)
class Results:
    """One window of a search: the hits shown, and where they sit among all matches."""

    hits: list[tuple[Entry, float]]
    window: Window
    partial: bool
    department: str


_recent: OrderedDict[str, tuple[weakref.ref, Found]] = OrderedDict()
_recent_lock = threading.Lock()
RECENT_QUERIES = 32


def _found(index: DirectoryIndex, query: str, limit: int) -> Found:
    """``find`` with the last few queries kept, so that "더 보기" does not score them all again."""
    key = f"{limit}\x00{query}"
    with _recent_lock:
        cached = _recent.get(key)
        if cached and cached[0]() is index:
            _recent.move_to_end(key)
            return cached[1]
    found = find(index, query, limit)
    with _recent_lock:
        _recent[key] = (weakref.ref(index), found)   # a weak reference: an old index is not kept alive
        while len(_recent) > RECENT_QUERIES:
            _recent.popitem(last=False)
    return found


def search_page(index: DirectoryIndex, query: str, offset: int = 0, limit: int = 20) -> Results:
    """The ``limit`` hits after the first ``offset`` of every match, with the total."""
    found = _found(index, query, limit)
    hits = rank(index, found.scores, offset + limit)[offset:] if offset < len(found.scores) else []
    return Results(hits, Window(offset, limit, len(found.scores)), found.partial, found.parsed.department)


def search(index: DirectoryIndex, query: str, limit: int = 20) -> list[tuple[Entry, float]]:
    return search_page(index, query, 0, limit).hits


def scored(index: DirectoryIndex, query: str, limit: int = 20) -> dict[int, float]:
    """:func:`search`'s best ``limit`` as position → score, best first (voice builds on them)."""
    return dict(top(index, _found(index, query, limit).scores, limit))


def search_directory(session: Session, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """The API's result dicts for ``query``, best first."""
    return [entry.as_result(score) for entry, score in search(get_index(session), query, limit)]
