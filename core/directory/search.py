"""Ranked directory search: exact before prefix, prefix before contains, contains before fuzzy.

A score is ``tier * 100 + field weight * 10``: the tier (how well) always dominates the
field (where), so an exact department match outranks a partial name match, and among
exact matches a name outranks a duty.
"""
from __future__ import annotations

import heapq
import re
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy.orm import Session

from core import hangul
from core.directory.index import W_GIVEN, W_NAME, DirectoryIndex, Entry, Scanner, get_index

EXACT, PREFIX, CONTAINS, FUZZY = 4, 3, 2, 1
MAX_QUERY = 100
_PHONE_PUNCT = re.compile(r"[\s\-().+]")


def _field_score(fields: tuple[tuple[str, int], ...], query: str) -> float:
    best = 0.0
    for value, weight in fields:
        if query in value:
            tier = EXACT if value == query else PREFIX if value.startswith(query) else CONTAINS
            best = max(best, tier * 100 + weight * 10)
    return best


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


def _by_id(index: DirectoryIndex, scores: dict[int, float]) -> dict[int, float]:
    entries = index.entries
    return {entries[position].id: score for position, score in scores.items()}


def _scan(scanner: Scanner, query: str, limit: int | None) -> dict[int, float]:
    """The page straight from the exact/prefix tables when they fill it ("김", "주무관"), else a scan."""
    if limit is not None:
        head = scanner.head(query, limit)
        if head is not None:
            return head
    return scanner.scan(query)


def score_entries(index: DirectoryIndex, query: str, limit: int | None = None) -> dict[int, float]:
    """Matching person ids with their scores (every match, or enough to fill ``limit`` in rank order)."""
    text = hangul.normalize_spacing(query)[:MAX_QUERY]
    q = hangul.compact(text)
    if not q:
        return {}

    digits = _PHONE_PUNCT.sub("", text)
    if digits.isdigit():
        return _by_id(index, _scan(index.digits, digits, limit))

    if hangul.is_initials_query(q):
        return _by_id(index, _scan(index.initials, q, limit))

    if hangul.has_consonant(q):
        qi = hangul.initials(q)
        scores = {}
        for position in index.initials.scan(qi):
            e = index.entries[position]
            tier = _mixed_tier(e.name, e.initial_fields[0][0], q, qi)
            if tier:
                scores[e.id] = tier * 100 + W_NAME * 10
        return scores

    scores = _by_id(index, _scan(index.text, q, limit))
    tokens = list(dict.fromkeys(t for t in (hangul.compact(w) for w in text.split(" ")) if t))
    if len(tokens) > 1 and (limit is None or len(scores) < limit):
        # "교통정책과 김민준": every word must match somewhere and the weakest word sets the tier.
        # Only one word is scanned and the others are checked on its hits alone: the longest,
        # or among equally long ones the rarest ("관리 자료": 관리 is in thousands of duties).
        longest = max(len(t) for t in tokens)
        tied = [t for t in tokens if len(t) == longest]
        first = min(tied, key=index.text.estimate) if len(tied) > 1 else tied[0]
        tokens = [first, *(t for t in tokens if t != first)]
        for position, lead in index.text.scan(tokens[0]).items():
            e = index.entries[position]
            rest = [_field_score(e.text_fields, t) for t in tokens[1:]]
            if all(rest):
                combined = min(lead, *rest) + len(tokens)
                if combined > scores.get(e.id, 0):
                    scores[e.id] = combined
    if limit is not None and len(scores) >= limit and min(heapq.nlargest(limit, scores.values())) >= 200:
        return scores  # a full page of real matches: fuzzy ones could never be shown
    if any(score >= EXACT * 100 + W_NAME * 10 for score in scores.values()):
        return scores  # the name exists as typed: no "did you mean" neighbours
    for name, distance in _fuzzy_names(index, q).items():
        for e in index.by_name.get(name, ()):
            if e.id not in scores:
                scores[e.id] = FUZZY * 100 + W_NAME * 10 - distance * 10
    if not scores and len(q) >= 2:
        # A given name with one slip ("민중" for 민준) only when nothing better exists.
        for given, entries in index.by_given.items():
            if len(given) == len(q) and Levenshtein.distance(hangul.decompose(given), hangul.decompose(q)) == 1:
                for e in entries:
                    scores[e.id] = FUZZY * 100 + W_GIVEN * 10 - 10
    return scores


def rank(index: DirectoryIndex, scores: dict[int, float], limit: int) -> list[tuple[Entry, float]]:
    by_id, places = index.by_id, index.places
    # One number per hit (score first, then the directory's own order) keeps this cheap for 5,000 hits.
    top = heapq.nlargest(limit, scores.items(), key=lambda item: item[1] * 1_000_000 - places[item[0]])
    return [(by_id[pid], score) for pid, score in top]


def search(index: DirectoryIndex, query: str, limit: int = 20) -> list[tuple[Entry, float]]:
    return rank(index, score_entries(index, query, limit), limit)


def search_directory(session: Session, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """The API's result dicts for ``query``, best first."""
    return [entry.as_result(score) for entry, score in search(get_index(session), query, limit)]
