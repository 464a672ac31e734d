"""Substring search over one kind of key of every directory entry (the index's inner loop)."""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from core.directory.columns import KeyTable

CODE_BITS, CODE_MASK = 6, 63        # a posting's score code: tier * 10 + weight (at most 49)
SCORES = tuple(code * 10 for code in range(CODE_MASK + 1))
# An exact table's value is position * 16 + weight: its score.
EXACT_SCORES = tuple(400 + weight * 10 for weight in range(16))


class Ranked(dict):
    """Hits (entry position → score) whose order is already their rank, score first and then the directory's
    order: an exact table's. Read-only, so that nothing added later breaks that order unnoticed; ``dict(hits)``
    makes a copy to add to."""

    __slots__ = ()

    def __setitem__(self, position: int, score: float) -> None:
        raise TypeError("ranked hits are read-only: add to dict(hits)")


class Scanner:
    """Substring search over one kind of key (text, initials or digits) of every entry.

    * Exact keys and one/two-character prefixes sit in tables ordered best first: a query
      whose exact (and prefix) hits already fill the page ("김", "주무관") is answered from them.
    * Every key is listed under each n-gram it contains; a query of at least ``n`` characters
      checks only the keys of its rarest n-gram ("김민준" looks at ~80 keys, not 50,000). Each posting
      also carries how well its key holds the n-gram (tier and weight), so a query that *is* an n-gram
      ("김민", "팀장": most as-you-type queries) is scored without looking at a key at all.
    * Shorter queries fall back to one ``str.find`` pass over all keys joined in a single
      string, each as ``\x01`` + weight + two owner characters + key.

    A hit's tier comes from where the query sits in the key: whole key exact, start prefix,
    elsewhere contains.
    """

    # The owner is two private-use characters (6,400² positions): staying inside the Basic
    # Multilingual Plane keeps the joined string at two bytes a character.
    OWNER_BASE, OWNER_SPAN = 0xE000, 6400
    SHORT = 2  # prefixes kept in ``prefix`` (``add`` fills lengths 1 and 2)

    def __init__(self, n: int = 2) -> None:
        self.n = n
        self._parts: list[str] = []
        self._length = 0
        # Columns rather than an object per key: the keys themselves are read out of ``text``.
        self.starts = array("I")       # where each key's value starts in ``text`` (plus one past the last key)
        self.weights = array("B")
        self.owners = array("I")       # entry position of each key
        self.first = array("I")        # each entry's first key (its keys are consecutive), plus the key count
        # n-gram → postings, key index << 6 | the key's score for the n-gram as a query // 10 (an array once
        # frozen); within one entry's postings the best comes last (see ``scan``)
        self.grams: dict[str, Any] = {}
        # key → {entry position: best weight} while adding; once frozen a KeyTable of position * 16 + weight,
        # best first
        self.exact: Any = {}
        self.prefix: Any = {}
        self.text = ""

    def add(self, position: int, fields: Iterable[tuple[str, int]]) -> None:
        """The keys of the entry at ``position``: called for every entry, in position order."""
        high, low = divmod(position, self.OWNER_SPAN)
        owner = chr(self.OWNER_BASE + high) + chr(self.OWNER_BASE + low)
        n, grams = self.n, self.grams
        mine = len(self.weights)   # this entry's first key
        self.first.append(mine)
        for value, weight in fields:
            if not value:
                continue
            key_id = len(self.weights)
            self._parts.append("\x01" + chr(weight) + owner + value)
            self.starts.append(self._length + 4)
            self._length += 4 + len(value)
            self.weights.append(weight)
            self.owners.append(position)
            for gram in {value[i:i + n] for i in range(len(value) - n + 1)}:
                tier = (4 if len(value) == n else 3) if value.startswith(gram) else 2
                posting = key_id << CODE_BITS | (tier * 10 + weight)
                postings = grams.get(gram)
                if postings is None:
                    grams[gram] = [posting]
                elif postings[-1] >> CODE_BITS >= mine and postings[-1] & CODE_MASK > posting & CODE_MASK:
                    postings.insert(len(postings) - 1, posting)   # this entry's best stays last
                else:
                    postings.append(posting)
            self._keep(self.exact, value, position, weight)
            if len(value) > 1:
                self._keep(self.prefix, value[:1], position, weight)
            if len(value) > 2:
                self._keep(self.prefix, value[:2], position, weight)

    @staticmethod
    def _keep(table: dict[str, dict[int, int]], key: str, position: int, weight: int) -> None:
        best = table.get(key)
        if best is None:
            table[key] = {position: weight}
        elif weight > best.get(position, 0):
            best[position] = weight

    def freeze(self, places: Sequence[int]) -> None:
        """Join the keys; order each exact/prefix table best first (weight, then directory order)."""
        self.text = "".join(self._parts) + "\x01"
        self._parts = []
        self.starts.append(len(self.text) + 3)   # the last key ends at the closing \x01, like the others
        self.first.append(len(self.weights))
        # Packed arrays hold the ~2,300,000 postings in a tenth of the memory of lists of ints.
        self.grams = {gram: array("I", postings) for gram, postings in self.grams.items()}
        # Each (position, weight) pair packs into one unsigned int, best first.
        for name in ("exact", "prefix"):
            table = getattr(self, name)
            setattr(self, name, KeyTable({
                key: [position * 16 + weight for position, weight in
                      sorted(owners.items(), key=lambda item: (-item[1], places[item[0]]))]
                for key, owners in table.items()}))

    def key(self, key_id: int) -> str:
        return self.text[self.starts[key_id]:self.starts[key_id + 1] - 4]

    def fields(self, position: int) -> list[tuple[str, int]]:
        """The (key, weight) pairs of one entry."""
        return [(self.key(k), self.weights[k]) for k in range(self.first[position], self.first[position + 1])]

    def first_key(self, position: int, weight: int) -> str:
        """The entry's first key if it has this weight (its name's, for the initials), else ""."""
        key_id = self.first[position]
        if key_id < self.first[position + 1] and self.weights[key_id] == weight:
            return self.key(key_id)
        return ""

    def best(self, position: int, query: str) -> float:
        """The best ``tier * 100 + weight * 10`` among one entry's keys containing ``query``, else 0."""
        text, starts, weights, n = self.text, self.starts, self.weights, len(query)
        first, last = self.first[position], self.first[position + 1]
        # The entry's keys are consecutive in ``text`` and the query cannot span the markers between them, so
        # one find over all of them rules out most entries (multi-word queries check every lead hit this way).
        if first == last or text.find(query, starts[first], starts[last] - 4) == -1:
            return 0.0
        best = 0.0
        for key_id in range(first, last):
            start, end = starts[key_id], starts[key_id + 1] - 4
            at = text.find(query, start, end)
            if at != -1:
                score = ((4 if end - start == n else 3) if at == start else 2) * 100 + weights[key_id] * 10
                best = max(best, score)
        return best

    def _postings(self, query: str) -> Sequence[int] | None:
        """Keys holding the query's rarest n-gram (a superset of the hits), or None if too short."""
        n = self.n
        if len(query) < n:
            return None
        best: Sequence[int] | None = None
        for i in range(len(query) - n + 1):
            postings = self.grams.get(query[i:i + n])
            if postings is None:
                return []
            if best is None or len(postings) < len(best):
                best = postings
        return best

    def estimate(self, query: str) -> int:
        """Roughly how many keys a scan for ``query`` visits (to pick the word to scan first)."""
        postings = self._postings(query)
        return len(self.weights) if postings is None else len(postings)

    def scan(self, query: str) -> dict[int, float]:
        """Entry position → best ``tier * 100 + weight * 10`` among the keys containing ``query``."""
        postings = self._postings(query)
        if postings is None:
            return self._scan_text(query)
        if len(query) == self.n:
            # The query is the n-gram: every posting is a hit and carries its score. Built in C (map, zip,
            # dict), 0.1 µs a hit instead of 1.5 (a 50,000 directory's "김민" has 9,000); dict() keeps the last
            # value of an entry, and ``add`` put each entry's best last.
            owners = map(self.owners.__getitem__, map(CODE_BITS.__rrshift__, postings))
            return dict(zip(owners, map(SCORES.__getitem__, map(CODE_MASK.__and__, postings)), strict=True))
        exact = self.exact.get(query, ())
        if exact and len(exact) == len(postings):
            # As many entries with a key equal to the query as keys holding its rarest n-gram: those keys are all
            # the query itself ("주무관", 40,000 of 50,000 at city scale), so the exact table is the answer.
            # The table is ordered best first, and so is the dict made from it (core.directory.search.top).
            if exact[0] & 15 == exact[-1] & 15:   # one weight (and one score) for all, twice as fast
                return Ranked(dict.fromkeys(map(4 .__rrshift__, exact), EXACT_SCORES[exact[0] & 15]))
            return Ranked(zip(map(4 .__rrshift__, exact), map(EXACT_SCORES.__getitem__, map(15 .__and__, exact)),
                              strict=True))
        out: dict[int, float] = {}
        text, starts, weights, owners, n = self.text, self.starts, self.weights, self.owners, len(query)
        find = text.find
        for posting in postings:
            key_id = posting >> CODE_BITS
            start, end = starts[key_id], starts[key_id + 1] - 4
            at = find(query, start, end)
            if at == -1:
                continue
            score = ((4 if end - start == n else 3) if at == start else 2) * 100 + weights[key_id] * 10
            owner = owners[key_id]
            if score > out.get(owner, 0):
                out[owner] = score
        return out

    def _scan_text(self, query: str) -> dict[int, float]:
        text, n, out, base, span = self.text, len(query), {}, self.OWNER_BASE, self.OWNER_SPAN
        find, rfind = text.find, text.rfind
        at = find(query)
        while at != -1:
            marker = rfind("\x01", 0, at)
            tier = (4 if text[at + n] == "\x01" else 3) if at == marker + 4 else 2
            score = tier * 100 + ord(text[marker + 1]) * 10
            owner = (ord(text[marker + 2]) - base) * span + ord(text[marker + 3]) - base
            if score > out.get(owner, 0):
                out[owner] = score
            at = find(query, at + 1)
        return out

    @staticmethod
    def _unpack(codes: Sequence[int]) -> Iterator[tuple[int, int]]:
        return (divmod(code, 16) for code in codes)

    def exact_scores(self, query: str) -> dict[int, float]:
        return {owner: 400 + weight * 10 for owner, weight in self._unpack(self.exact.get(query, ()))}

    def head(self, query: str, limit: int) -> dict[int, float] | None:
        """The best ``limit`` hits when exact (then, for short queries, prefix) keys alone fill them.

        Every contains-hit ranks below these, so the page is complete without a scan;
        None means a scan is needed.
        """
        out: dict[int, float] = {}
        for owner, weight in self._unpack(self.exact.get(query, ())):
            out[owner] = 400 + weight * 10
            if len(out) >= limit:
                return out
        if len(query) <= self.SHORT:
            for owner, weight in self._unpack(self.prefix.get(query, ())):
                if owner not in out:
                    out[owner] = 300 + weight * 10
                    if len(out) >= limit:
                        return out
        return None
