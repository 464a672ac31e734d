"""The compact index (columns, packed keys, key tables) answers exactly like a straightforward one: a list of
(key, weight) pairs per entry, searched by brute force. Many queries: every key's substrings and prefixes,
a few that match nothing, on the test directory and on one of 6,600 entries."""
from __future__ import annotations

import random
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from core import hangul
from core.directory import published
from core.directory.columns import Groups, KeyTable
from core.directory.index import W_NAME, DirectoryIndex, _keys, _shown, assemble, format_phone
from core.directory.scanner import Scanner
from core.directory.search import search_page
from core.directory.voice import match
from tests.directory.conftest import SCOPING, memory_rows

KINDS = ("text", "initials", "digits")


class Reference:
    """Each entry as plain lists, as the index kept it before it was compact."""

    def __init__(self, rows: list) -> None:
        cache: dict = {}
        self.rows = sorted(rows, key=lambda row: row.id)
        self.fields = [dict(zip(KINDS, _keys(row, cache), strict=True)) for row in self.rows]
        order = sorted(range(len(self.rows)), key=lambda p: (self.rows[p].kind != "staff", self.rows[p].name,
                                                             self.rows[p].department or "", self.rows[p].id))
        self.places = {position: place for place, position in enumerate(order)}
        self.keys = {kind: [(p, value, weight) for p, fields in enumerate(self.fields)
                            for value, weight in fields[kind] if value] for kind in KINDS}

    def best(self, position: int, kind: str, query: str) -> float:
        """The best ``tier * 100 + weight * 10`` over the entry's keys containing ``query``."""
        best = 0.0
        for value, weight in self.fields[position][kind]:
            if value and query in value:
                tier = 4 if value == query else 3 if value.startswith(query) else 2
                best = max(best, tier * 100 + weight * 10)
        return best

    def scores(self, kind: str, query: str) -> dict[int, float]:
        """Position → best score, every key of every entry tried."""
        out: dict[int, float] = {}
        for position, value, weight in self.keys[kind]:
            if query in value:
                tier = 4 if value == query else 3 if value.startswith(query) else 2
                out[position] = max(out.get(position, 0.0), tier * 100 + weight * 10)
        return out

    def ranked(self, scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
        return sorted(scores.items(), key=lambda item: (-item[1], self.places[item[0]]))[:limit]


def _queries(reference: Reference, kind: str, rng: random.Random, most: int) -> list[str]:
    """Substrings of the keys (every one of up to four characters, whole keys), and a few that match nothing."""
    found: set[str] = set()
    for fields in reference.fields:
        for value, _ in fields[kind]:
            found.update(value[i:i + n] for n in range(1, 5) for i in range(len(value) - n + 1))
            found.add(value)
    queries = sorted(found)
    if len(queries) > most:
        queries = rng.sample(queries, most)
    return [*queries, "없는말", "ㅋㅋㅋ", "98765432", "zz"]


def _people(count: int) -> tuple[list, list]:
    """``count`` people in 40 departments, with names, duties, numbers and e-mails like an HR export's."""
    rng = random.Random(5)
    departments = [SimpleNamespace(id=i + 1, name=f"{unit}{suffix}", organization="고양특례시")
                   for i, (unit, suffix) in enumerate((u, s) for u in ("교통", "복지", "세무", "건축", "환경",
                                                                          "문화", "교육", "안전") for s in
                                                      ("정책과", "지원과", "관리팀", "운영팀", "센터"))]
    people = []
    for i in range(count):
        dept = departments[i % len(departments)]
        staff = i % 50 != 0
        people.append(SimpleNamespace(
            id=count * 2 - i * 2,          # ids not in row order, with gaps
            kind="staff" if staff else "contact",
            name=(rng.choice("김이박최정강조윤장임") + rng.choice("민서지하도수예시") + rng.choice("준연우은윤아진후"))
            if staff else f"{dept.name} 대표전화",
            department_id=dept.id, department=dept.name, organization=dept.organization, parent="시청",
            title=rng.choice(("주무관", "팀장", "과장", "")), grade=rng.choice(("지방행정주사", "")),
            duty=rng.choice(("예산 관리", "민원 처리", "서무", "주정차 단속", "")),
            extension=str(10000 + i), phone=f"+8231{70000000 + i}", mobile=f"+8210{20000000 + i}" if i % 3 else "",
            email=f"p{i}@example.go.kr" if staff else ""))
    return people, departments


@pytest.fixture(scope="module")
def large() -> tuple[DirectoryIndex, Reference]:
    people, departments = _people(6600)   # past 6,400 entries: both owner characters of a key are used
    return assemble(people, departments), Reference(people)


def _check_scanners(index: DirectoryIndex, reference: Reference, most: int) -> int:
    rng, checked = random.Random(3), 0
    for kind in KINDS:
        scanner = getattr(index, kind)
        for query in _queries(reference, kind, rng, most):
            expected = reference.scores(kind, query)
            assert scanner.scan(query) == expected, (kind, query)
            assert scanner.exact_scores(query) == {p: s for p, s in expected.items() if s >= 400}, (kind, query)
            for limit in (1, 5, 20):
                head = scanner.head(query, limit)
                if head is not None:   # the page straight from the tables is the best ``limit`` of the scan
                    assert sorted(head.items()) == sorted(reference.ranked(expected, limit)), (kind, query, limit)
            checked += 1
    return checked


def test_the_scanners_find_what_brute_force_finds(large):
    index, reference = large
    assert _check_scanners(index, reference, most=120) > 300


def test_each_entry_keeps_its_own_keys_names_and_fields(large):
    index, reference = large
    rng = random.Random(4)
    for position in rng.sample(range(len(index)), 400):
        row, fields = reference.rows[position], reference.fields[position]
        for kind in KINDS:
            assert getattr(index, kind).fields(position) == [(k, w) for k, w in fields[kind] if k]
            for query in ("민", "정책", "ㄱ", "100", row.name[1:], *(k for k, _ in fields[kind][:2])):
                assert getattr(index, kind).best(position, query) == reference.best(position, kind, query)
        assert index.initials.first_key(position, W_NAME) == hangul.initials(row.name)
        entry = index.entry(position)
        assert asdict(entry) == {**_shown(row), "place": reference.places[position]}
        assert entry.phone == format_phone(row.phone)
        assert index.by_id[row.id] == entry and index.by_id.get(row.id + 1) is None and row.id + 1 not in index.by_id


def test_groups_list_positions_like_a_dict_of_lists(large):
    index, reference = large
    expected: dict[str, list[int]] = {}
    for position, row in enumerate(reference.rows):
        expected.setdefault(row.name, []).append(position)
    assert list(index.by_name) == list(expected)
    assert {name: index.by_name[name] for name in index.by_name} == expected
    assert index.by_name.get("없는이름") == () and "없는이름" not in index.by_name
    assert index.longest_name == max(map(len, expected))
    by_department: dict[int, list[int]] = {}
    for position, row in enumerate(reference.rows):
        by_department.setdefault(row.department_id, []).append(position)
    assert dict(index.by_department.items()) == by_department


def test_key_table_and_groups_on_their_own():
    rng = random.Random(6)
    table = {"".join(rng.choice("가나다12") for _ in range(rng.randint(1, 5))): [rng.randint(0, 10**6)
                                                                              for _ in range(rng.randint(1, 4))]
             for _ in range(500)}
    keys = KeyTable(table)
    for key, values in table.items():
        assert list(keys.get(key)) == values
    assert keys.get("없음") == () and keys.get("") == () and KeyTable({}).get("가") == ()
    groups = Groups()
    for key in ("a", None, "b", "a", None, "a"):
        groups.add(key)
    groups.freeze()
    assert dict(groups.items()) == {"a": [0, 3, 5], "b": [2]} and len(groups) == 2


def test_the_test_directory_too():
    people, departments = memory_rows(SCOPING)
    assert _check_scanners(assemble(people, departments), Reference(people), most=10_000) > 500


def test_a_published_copy_answers_like_the_index_it_was_made_from(large, tmp_path):
    """What the worker writes and a web process loads (core.directory.published) searches the same."""
    index, reference = large
    published.write(tmp_path / "index.pickle", ("stamp",), index)
    stamp, copy = published.load(tmp_path / "index.pickle")
    assert stamp == ("stamp",) and len(copy) == len(index)
    rng = random.Random(8)
    names = [row.name for row in reference.rows]
    for query in [*rng.sample(names, 60), "김", "ㄱㅁ", "교통 정책과 팀장", "서무", "1001", "민원 처리", "김ㅁ"]:
        ours = search_page(index, query, 0, 20)
        theirs = search_page(copy, query, 0, 20)
        assert ours.hits == theirs.hits and ours.window == theirs.window, query
    for phrase in (f"{names[5]}한테 전화해줘", "교통정책과 대표전화 연결", "내선 10005번"):
        assert match(index, phrase) == match(copy, phrase)


def test_an_ngram_query_takes_each_entrys_best_key_whatever_their_order():
    """A query that is an n-gram is scored from the postings alone: an entry with several keys holding it gets
    its best (exact over prefix over contains, then the weight), in whatever order its keys came."""
    scanner = Scanner()
    scanner.add(0, [("정책교통", 9), ("교통정책과", 7), ("교통", 3)])   # contains, prefix, exact: exact last
    scanner.add(1, [("교통", 3), ("교통정책과", 7), ("정책교통", 9)])   # exact first
    scanner.add(2, [("교통과", 5), ("대교통", 9)])                       # prefix 5 beats contains 9
    scanner.add(3, [("정책", 9)])
    scanner.freeze([0, 1, 2, 3])
    assert scanner.scan("교통") == {0: 430, 1: 430, 2: 350}
    assert scanner.scan("정책") == {0: 390, 1: 390, 3: 490}
    assert scanner.scan("교통정") == {0: 370, 1: 370}                    # longer: the keys are read


def test_a_query_only_some_keys_equal_is_still_scanned():
    """The exact table answers a longer query alone only when every key holding its n-gram is the query."""
    scanner = Scanner()
    scanner.add(0, [("주무관", 6)])
    scanner.add(1, [("주무관", 6), ("주무관", 5)])     # two equal keys: the counts differ, so it is scanned
    scanner.add(2, [("주무관리", 5)])                  # holds it without being it
    scanner.freeze([0, 1, 2])
    assert scanner.scan("주무관") == {0: 460, 1: 460, 2: 350}
    alone = Scanner()
    alone.add(0, [("주무관", 6)])
    alone.add(1, [("팀장", 6), ("주무관", 5)])
    alone.freeze([0, 1])
    assert alone.scan("주무관") == {0: 460, 1: 450} and alone.best(1, "주무") == 350 and alone.best(1, "과장") == 0


def test_a_published_copy_in_small_records_is_the_same_index(monkeypatch, tmp_path):
    """The file is many small records (each holds the GIL while it loads): the scanners' postings and joined
    keys split over several come back whole."""
    monkeypatch.setattr(published, "GRAMS_PER_RECORD", 7)
    monkeypatch.setattr(published, "TEXT_PER_RECORD", 500)
    index = assemble(*memory_rows(SCOPING))
    published.write(tmp_path / "index.pickle", ("stamp",), index)
    _, copy = published.load(tmp_path / "index.pickle")
    for kind in KINDS:
        ours, theirs = getattr(index, kind), getattr(copy, kind)
        assert len(ours.text) > 500 and len(ours.grams) > 7
        assert vars(theirs).keys() == vars(ours).keys()
        assert theirs.text == ours.text and theirs.grams == ours.grams and theirs.starts == ours.starts
        assert theirs.exact.values == ours.exact.values and theirs.prefix.text == ours.prefix.text


def test_an_exact_tables_hits_come_in_rank_order(large):
    """"주무관" at city scale is one exact table: its hits are handed over in rank order, read-only, and the page
    is their first ``limit`` without ranking 40,000 of them again (core.directory.search.top)."""
    from core.directory.scanner import Ranked
    from core.directory.search import _by_rank, top

    index, reference = large
    ranked_queries = 0
    for query in ("주무관", "팀장", "과장", "서무", "예산관리", "지방행정주사", "교통정책과"):
        hits = index.text.scan(query)
        expected = reference.scores("text", query)
        assert hits == expected, query
        if type(hits) is Ranked:
            ranked_queries += 1
            assert list(hits.items()) == reference.ranked(expected, len(expected)), query
            for limit in (1, 20, 500):
                assert top(index, hits, limit) == _by_rank(index.people.place, hits.items(), limit)
            with pytest.raises(TypeError):
                hits[0] = 1.0
    assert ranked_queries >= 3


@pytest.mark.parametrize("query", ["민원 처리", "교통 정책과 팀장", "예산 관리 주무관", "세무 서무", "김 민원 처리",
                                   "복지지원과 예산", "주정차 단속 팀장", "교통 ㄱㅁ", "세무 100", "관리 팀장 민원"])
def test_words_scanned_or_checked_one_by_one_find_the_same(large, monkeypatch, query):
    """Each further word of a query is either looked for in every hit's keys or scanned and intersected, by
    which costs less: both ways give the same page and count."""
    from core.directory import search

    index, _ = large

    def page(check_cost: int) -> tuple:
        monkeypatch.setattr(search, "COST_CHECK", check_cost)
        search._recent.clear()
        found = search_page(index, query, 0, 20)
        return found.hits, found.window, found.partial

    always_check, always_scan = page(0), page(10**9)
    assert always_check == always_scan
    assert always_check[1].total > 0, query
