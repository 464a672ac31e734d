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
from core.directory.index import W_GIVEN, W_NAME, DirectoryIndex, Entry, get_index

EXACT, PREFIX, CONTAINS, FUZZY = 4, 3, 2, 1
MAX_QUERY = 100
_PHONE_PUNCT = re.compile(r"[\s\-().+]")


def _tier(value: str, query: str) -> int:
    if value == query:
        return EXACT
    if value.startswith(query):
        return PREFIX
    if query in value:
        return CONTAINS
    return 0


def _best(fields: tuple[tuple[str, int], ...], query: str) -> float:
    best = 0.0
    for value, weight in fields:
        if query in value:
            best = max(best, _tier(value, query) * 100 + weight * 10)
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


def score_entries(index: DirectoryIndex, query: str) -> dict[int, float]:
    """Every matching person id with its score; an empty dict when nothing matches."""
    text = hangul.normalize_spacing(query)[:MAX_QUERY]
    q = hangul.compact(text)
    if not q:
        return {}
    scores: dict[int, float] = {}

    digits = _PHONE_PUNCT.sub("", text)
    if digits.isdigit():
        for e in index.entries:
            if digits in e.digits_blob:
                scores[e.id] = _best(e.digit_fields, digits)
        return scores

    if hangul.is_initials_query(q):
        for e in index.entries:
            if q in e.initials_blob:
                scores[e.id] = _best(e.initial_fields, q)
        return scores

    if hangul.has_consonant(q):
        qi = hangul.initials(q)
        for e in index.entries:
            if qi in e.initials_blob:
                tier = _mixed_tier(e.name, e.initial_fields[0][0], q, qi)
                if tier:
                    scores[e.id] = tier * 100 + W_NAME * 10
        return scores

    for e in index.entries:
        if q in e.blob:
            scores[e.id] = _best(e.text_fields, q)
    tokens = [t for t in (hangul.compact(w) for w in text.split(" ")) if t]
    if len(tokens) > 1:
        # "교통정책과 김민준": every word must match somewhere; the weakest word sets the tier.
        for e in index.entries:
            if all(t in e.blob for t in tokens):
                combined = min(_best(e.text_fields, t) for t in tokens) + len(tokens)
                if combined > scores.get(e.id, 0):
                    scores[e.id] = combined
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
    by_id = index.by_id
    top = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], by_id[item[0]].order))
    return [(by_id[pid], score) for pid, score in top]


def search(index: DirectoryIndex, query: str, limit: int = 20) -> list[tuple[Entry, float]]:
    return rank(index, score_entries(index, query), limit)


def search_directory(session: Session, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """The API's result dicts for ``query``, best first."""
    return [entry.as_result(score) for entry, score in search(get_index(session), query, limit)]
