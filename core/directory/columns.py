"""Compact containers for the directory index: a few large buffers instead of an object per entry or per key.

At 50,000 entries an object per entry (a dataclass with tuples of (key, weight) tuples) and a small array per
exact key made the index 280 MB in every web process, and fragmented memory that a newer index could not
reuse. Here each column is one array or one string, found by position or by bisection.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain
from typing import Any


class Shared:
    """A column of strings that many entries share (a department, a title, a name): each value once, a code per
    entry."""

    __slots__ = ("_code_of", "codes", "values")

    def __init__(self) -> None:
        self.values: list[str] = []
        self.codes = array("I")
        self._code_of: dict[str, int] | None = {}   # only while adding

    def append(self, value: str) -> None:
        code = self._code_of.setdefault(value, len(self.values))
        if code == len(self.values):
            self.values.append(value)
        self.codes.append(code)

    def freeze(self) -> None:
        self._code_of = None

    def __getitem__(self, position: int) -> str:
        return self.values[self.codes[position]]

    def __len__(self) -> int:
        return len(self.codes)

    def __getstate__(self) -> tuple:
        return self.values, self.codes

    def __setstate__(self, state: tuple) -> None:
        self.values, self.codes = state
        self._code_of = None


class Packed:
    """A column of strings that are mostly each entry's own (a phone number, an e-mail): one string for all of
    them (one byte a character when they are ASCII) and where each ends."""

    __slots__ = ("_parts", "ends", "text")

    def __init__(self) -> None:
        self.text = ""
        self.ends = array("I")
        self._parts: list[str] = []      # only while adding

    def append(self, value: str) -> None:
        self._parts.append(value)
        self.ends.append((self.ends[-1] if self.ends else 0) + len(value))

    def freeze(self) -> None:
        self.text, self._parts = "".join(self._parts), []

    def __getitem__(self, position: int) -> str:
        return self.text[self.ends[position - 1] if position else 0:self.ends[position]]

    def __len__(self) -> int:
        return len(self.ends)

    def __getstate__(self) -> tuple:
        return self.text, self.ends

    def __setstate__(self, state: tuple) -> None:
        self.text, self.ends = state
        self._parts = []


class Groups(Mapping):
    """Entry positions by key (a name, a given name, a department id), in position order, without a list per key:
    the first position of each key, and for every entry the next position with the same key (-1 after the last).

    ``add`` is called once per position, in order; ``None`` puts the entry in no group."""

    __slots__ = ("_last", "after", "first")

    def __init__(self) -> None:
        self.first: dict[Hashable, int] = {}
        self.after = array("i")
        self._last: dict[Hashable, int] = {}   # only while adding

    def add(self, key: Hashable | None) -> None:
        position = len(self.after)
        self.after.append(-1)
        if key is None:
            return
        last = self._last.get(key)
        if last is None:
            self.first[key] = position
        else:
            self.after[last] = position
        self._last[key] = position

    def freeze(self) -> None:
        self._last = {}

    def __getitem__(self, key: Hashable) -> list[int]:
        position = self.first[key]
        out = []
        while position != -1:
            out.append(position)
            position = self.after[position]
        return out

    def get(self, key: Hashable, default: Any = ()) -> Any:
        return self[key] if key in self.first else default

    def __contains__(self, key: object) -> bool:
        return key in self.first

    def __iter__(self) -> Iterator:
        return iter(self.first)

    def __len__(self) -> int:
        return len(self.first)

    def __getstate__(self) -> tuple:
        return self.first, self.after

    def __setstate__(self, state: tuple) -> None:
        self.first, self.after = state
        self._last = {}


class KeyTable:
    """Many string keys, each with a list of unsigned ints: the keys sorted and joined in one string (found by
    bisection, about 5 µs among 150,000) and the lists end to end in one array. A dict of small arrays took
    18 MB for the digits' 145,000 exact keys at 50,000 entries; this takes 2."""

    __slots__ = ("ends", "text", "value_ends", "values")

    def __init__(self, table: Mapping[str, Iterable[int]] | None = None) -> None:
        keys = sorted(table or {})
        lists = [list(table[key]) for key in keys] if table else []
        self.text = "".join(keys)
        self.ends = array("I", accumulate(map(len, keys)))
        self.values = array("I", chain.from_iterable(lists))
        self.value_ends = array("I", accumulate(map(len, lists)))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> str:   # the i-th key, for bisect
        return self.text[self.ends[i - 1] if i else 0:self.ends[i]]

    def get(self, key: str, default: Sequence[int] = ()) -> Sequence[int]:
        i = bisect_left(self, key)
        if i == len(self.ends) or self[i] != key:
            return default
        return self.values[self.value_ends[i - 1] if i else 0:self.value_ends[i]]

    def __getstate__(self) -> tuple:
        return self.text, self.ends, self.values, self.value_ends

    def __setstate__(self, state: tuple) -> None:
        self.text, self.ends, self.values, self.value_ends = state
