"""Korean numbers are accepted by their form and length, not by phonenumbers' "valid" ranges, which lag behind
the carriers: one real citizen's number must never make the PBX webhook refuse a batch."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from blueprints.lettering.cli import citizen_number
from core.models.calls import CallEvent
from core.phone import InvalidPhone, mask, normalize, try_normalize
from extensions import db
from tests.lettering.conftest import event

# phonenumbers 9.0.x calls every one of these invalid.
UNLISTED_MOBILES = ["010-5970-0000", "010-5985-1234", "010-5999-9999"]


@pytest.mark.parametrize(("raw", "e164"), [
    ("010-5970-0000", "+821059700000"), ("01059999999", "+821059999999"), ("+82 10 5980 1234", "+821059801234"),
    ("010-2000-0000", "+821020000000"), ("010-123-4567", "+82101234567"), ("011-123-4567", "+82111234567"),
    ("019-1234-5678", "+821912345678"), ("02-123-4567", "+8221234567"), ("02-1234-5678", "+82212345678"),
    ("031-8075-1234", "+823180751234"), ("031-900-1234", "+82319001234"), ("064-123-4567", "+82641234567"),
    ("070-1234-5678", "+827012345678"), ("1588-1234", "+8215881234"), ("080-123-4567", "+82801234567"),
    ("0505-123-4567", "+825051234567"), ("+82 (0)31 8075 1234", "+823180751234"),
])
def test_well_formed_korean_numbers_are_accepted(raw, e164):
    assert normalize(raw) == e164


@pytest.mark.parametrize("raw", ["010-12", "010-1234-56789", "0010-1234-5678", "12345", "abc", "00000000000",
                                 "031-12", "099-123-4567", "02-12-3456"])
def test_malformed_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize(raw)


def test_every_number_demo_calls_can_generate_is_accepted():
    """``citizen_number`` draws the middle block from 2000-9998 and the last from 0000-9999: every middle
    block, with both ends of the last, and a thousand random draws."""
    refused = [f"+8210{middle:04d}{last:04d}" for middle in range(2000, 9999) for last in (0, 9999)
               if try_normalize(f"010-{middle:04d}-{last:04d}") != f"+8210{middle:04d}{last:04d}"]
    assert refused == []
    rng = random.Random(2)
    for _ in range(1000):
        number = citizen_number(rng)
        assert normalize(number) == number
        assert mask(number).startswith("010-****-")


def test_the_webhook_takes_a_batch_with_numbers_phonenumbers_calls_invalid(post_events, line):
    events = [event(f"u-{i}", "dial", peer=peer) for i, peer in enumerate(UNLISTED_MOBILES)]
    answer = post_events(events)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_json()["accepted"] == len(UNLISTED_MOBILES)
    assert db.session.scalar(select(func.count(CallEvent.id))) == len(UNLISTED_MOBILES)
