"""The dish notation ``두부새우젓국 (5.9.18)``, by example and fuzzed: any text either parses into a name and
known numbers or raises DishError (a Korean message), never anything else."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.menu.allergens import ALLERGENS, DishError, format_numbers, parse_dish


@pytest.mark.parametrize(("line", "expected"), [
    ("두부새우젓국 (5.9.18)", ("두부새우젓국", (5, 9, 18))),
    ("쌀밥", ("쌀밥", ())),
    ("  돼지고기김치볶음(5.6.9.10.13).  ", ("돼지고기김치볶음", (5, 6, 9, 10, 13))),
    ("요구르트 （2）", ("요구르트", (2,))),
    ("잣죽 (19.19.1)", ("잣죽", (1, 19))),
    ("김치 (국내산)", ("김치 (국내산)", ())),
    ("김치 (국내산) (9.13)", ("김치 (국내산)", (9, 13))),
    ("떡볶이 (5, 6, 13)", ("떡볶이", (5, 6, 13))),
])
def test_examples(line, expected):
    assert parse_dish(line) == expected


@pytest.mark.parametrize(("line", "fragment"), [
    ("수상한국 (20)", "20"), ("수상한국 (0)", "0"), ("국 (1.x)", "x"), ("(1.2)", "비어"), ("", "비어"),
    ("가" * 101, "너무 깁니다"), ("국 (99999999999999999999)", "9999"),
])
def test_refused(line, fragment):
    with pytest.raises(DishError) as caught:
        parse_dish(line)
    assert fragment in str(caught.value)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_in_korean(text):
    try:
        name, numbers = parse_dish(text)
    except DishError as exc:
        assert str(exc) and exc.msgid
        return
    assert name and len(name) <= 100 and name == name.strip()
    assert all(n in ALLERGENS for n in numbers) and list(numbers) == sorted(set(numbers))


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
       .filter(lambda s: s.strip() and "(" not in s and "（" not in s and ")" not in s and "）" not in s),
       st.sets(st.sampled_from(sorted(ALLERGENS)), max_size=6))
def test_written_form_reads_back(name, numbers):
    line = f"{name} ({format_numbers(numbers)})" if numbers else name
    parsed_name, parsed = parse_dish(line)
    assert parsed == tuple(sorted(numbers))
    assert parsed_name == " ".join(name.split())
