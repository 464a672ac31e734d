"""The one campaign rule (core.lettering.campaigns): targets, schedule, KST weekdays and hours, status,
priority then newest; the dispatcher's carrier request and the AlimTalk path use the same rule."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.lettering.campaigns import active_campaign_for, in_hours
from core.lettering.dispatch import Context
from core.models.lettering import Campaign
from core.timeutil import KST, utcnow
from extensions import db


def _campaign(title: str, **fields) -> Campaign:
    fields.setdefault("token", title)
    item = Campaign(title=title, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def test_targets_all_or_the_lines_department(lines, departments):
    safety, tax = lines
    only_safety = _campaign("safety", target_all=False, departments=[departments["안전총괄과"]])
    assert active_campaign_for(db.session, safety, utcnow()) == only_safety
    assert active_campaign_for(db.session, tax, utcnow()) is None
    everyone = _campaign("all", target_all=True)
    assert active_campaign_for(db.session, tax, utcnow()) == everyone
    # the newer one wins at equal priority
    assert active_campaign_for(db.session, safety, utcnow()) == everyone


def test_status_paused_and_archived_never_match(lines):
    item = _campaign("c1")
    for status, expected in (("paused", None), ("archived", None), ("active", item)):
        item.status = status
        db.session.commit()
        assert active_campaign_for(db.session, lines[0], utcnow()) == expected


def test_priority_beats_newest(lines, clock):
    clock.set_kst(2026, 3, 2, 10)
    important = _campaign("old-important", priority=5)
    clock.set_kst(2026, 3, 2, 11)
    _campaign("new-normal", priority=0)
    assert active_campaign_for(db.session, lines[0], utcnow()) == important
    newer_important = _campaign("new-important", priority=5)
    assert active_campaign_for(db.session, lines[0], utcnow()) == newer_important


def test_from_and_until_are_half_open(lines, clock):
    start = datetime(2026, 3, 2, 9, tzinfo=KST).astimezone(UTC)  # stored in UTC (SQLite drops offsets)
    item = _campaign("c", starts_at=start, ends_at=start + timedelta(days=1))
    clock.move_to(start - timedelta(seconds=1))
    assert active_campaign_for(db.session, lines[0], utcnow()) is None
    clock.move_to(start)
    assert active_campaign_for(db.session, lines[0], utcnow()) == item
    clock.move_to(start + timedelta(days=1))
    assert active_campaign_for(db.session, lines[0], utcnow()) is None


def test_weekdays_are_kst_weekdays(lines, clock):
    # Monday 2026-03-02 00:30 KST is still Sunday in UTC: the KST weekday decides.
    item = _campaign("weekdays", weekdays=[0, 1, 2, 3, 4])
    clock.set_kst(2026, 3, 2, 0, 30)
    assert active_campaign_for(db.session, lines[0], utcnow()) == item
    clock.set_kst(2026, 3, 1, 23, 59)   # Sunday KST
    assert active_campaign_for(db.session, lines[0], utcnow()) is None
    clock.set_kst(2026, 3, 6, 23, 59)   # Friday KST
    assert active_campaign_for(db.session, lines[0], utcnow()) == item
    clock.set_kst(2026, 3, 7, 0, 0)     # Saturday KST
    assert active_campaign_for(db.session, lines[0], utcnow()) is None


def test_hours_are_kst_hours(lines, clock):
    item = _campaign("office", hour_from=9, hour_until=18)
    for hour, minute, expected in ((8, 59, None), (9, 0, item), (17, 59, item), (18, 0, None)):
        clock.set_kst(2026, 3, 3, hour, minute)
        assert active_campaign_for(db.session, lines[0], utcnow()) == expected, (hour, minute)


@pytest.mark.parametrize(("hour", "start", "end", "inside"), [
    (0, None, None, True), (23, None, None, True), (20, 20, 8, True), (7, 20, 8, True), (8, 20, 8, False),
    (19, 20, 8, False), (0, 0, 24, True), (23, 0, 24, True), (9, 9, 9, False), (5, None, 6, True),
    (6, None, 6, False), (23, 22, None, True), (21, 22, None, False),
])
def test_in_hours(hour, start, end, inside):
    assert in_hours(hour, start, end) is inside


def test_dispatcher_uses_the_same_rule(lines, clock, app):
    clock.set_kst(2026, 3, 3, 19)
    _campaign("daytime", hour_from=9, hour_until=18, priority=9)
    evening = _campaign("evening", hour_from=18, hour_until=22)
    ctx = Context(settings=dict(app.config), carrier=None, kakao=None)
    evening_id = evening.id
    assert active_campaign_for(db.session, lines[0], utcnow()).id == evening_id
    assert ctx.campaign_for(db.session, lines[0], utcnow()).id == evening_id  # (it detaches what it caches)
