"""The fallback decision, table by table: device, call outcome, policy, cap, quiet hours, staleness."""
from datetime import datetime, timedelta

import pytest

from core.lettering.policy import Guards, Situation, decide, in_quiet_hours, quiet_hours_end
from core.timeutil import KST

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=KST)
DEFAULT = Guards()


def situation(status="unsupported_device", answered=False, now=NOON, call_at=None, **extra) -> Situation:
    return Situation(lettering_status=status, answered=answered, call_at=call_at or now - timedelta(minutes=1),
                     now=now, **extra)


@pytest.mark.parametrize(("status", "answered", "policy", "action", "reason"), [
    # missed_only (Goyang's default): only unanswered calls to phones that did not show the lettering
    ("unsupported_device", False, "missed_only", "send", "unsupported_device"),
    ("not_subscriber", False, "missed_only", "send", "not_subscriber"),
    ("failed", False, "missed_only", "send", "failed"),
    ("unsupported_device", True, "missed_only", "skip", "answered"),
    ("failed", True, "missed_only", "skip", "answered"),
    ("accepted", False, "missed_only", "skip", "lettered"),
    # always: answered calls too
    ("unsupported_device", True, "always", "send", "unsupported_device"),
    ("not_subscriber", True, "always", "send", "not_subscriber"),
    ("accepted", True, "always", "skip", "lettered"),
    # never
    ("unsupported_device", False, "never", "skip", "policy_never"),
    ("failed", False, "never", "skip", "policy_never"),
    # nothing to send for calls we never lettered for a reason of ours
    ("no_line", False, "always", "skip", "no_line"),
    ("opted_out", False, "always", "skip", "opted_out"),
])
def test_device_outcome_and_policy(status, answered, policy, action, reason):
    decision = decide(situation(status, answered), Guards(policy=policy))
    assert (decision.action, decision.reason) == (action, reason)


@pytest.mark.parametrize(("sent", "cap", "action", "reason"), [
    (0, 1, "send", "unsupported_device"),
    (1, 1, "skip", "cap"),
    (1, 2, "send", "unsupported_device"),
    (2, 2, "skip", "cap"),
    (0, 0, "skip", "cap"),
])
def test_frequency_cap(sent, cap, action, reason):
    decision = decide(situation(sent_in_window=sent), Guards(cap_per_day=cap))
    assert (decision.action, decision.reason) == (action, reason)


def kst(day, hour, minute=0):
    return datetime(2026, 1, day, hour, minute, tzinfo=KST)


@pytest.mark.parametrize(("now", "call_at", "action", "send_at"), [
    (kst(5, 20, 59), kst(5, 20, 58), "send", None),          # just before the quiet hours
    (kst(5, 21, 0), kst(5, 20, 59), "hold", kst(6, 8)),       # the quiet hours start at 21:00
    (kst(5, 23, 30), kst(5, 23, 29), "hold", kst(6, 8)),
    (kst(6, 2, 0), kst(6, 1, 59), "hold", kst(6, 8)),         # after midnight: the same morning
    (kst(6, 7, 59), kst(6, 7, 58), "hold", kst(6, 8)),
    (kst(6, 8, 0), kst(6, 7, 58), "send", None),              # the morning
    (kst(6, 8, 0), kst(5, 21, 30), "send", None),             # held overnight, 10.5 h old: still fresh
    (kst(6, 8, 0), kst(5, 19, 59), "drop", None),             # 12 h old: stale
    (kst(5, 22, 0), kst(5, 19, 0), "drop", None),             # would be 13 h old by the morning
])
def test_quiet_hours_and_staleness(now, call_at, action, send_at):
    decision = decide(situation(now=now, call_at=call_at), DEFAULT)
    assert decision.action == action
    assert decision.send_at == send_at
    assert decision.reason == {"send": "unsupported_device", "hold": "quiet_hours", "drop": "stale"}[action]


def test_guards_apply_in_order():
    # an opt-out beats everything; the cap is checked before the clock
    assert decide(situation(opted_out=True, sent_in_window=5), DEFAULT).reason == "opted_out"
    assert decide(situation(now=kst(5, 23), sent_in_window=1), DEFAULT).reason == "cap"
    assert decide(situation(has_number=False), DEFAULT).reason == "no_number"


@pytest.mark.parametrize(("start", "end", "hour", "quiet"), [
    (21, 8, 20, False), (21, 8, 21, True), (21, 8, 0, True), (21, 8, 7, True), (21, 8, 8, False),
    (0, 6, 23, False), (0, 6, 0, True), (0, 6, 5, True), (0, 6, 6, False),
    (8, 8, 3, False),  # equal bounds: no quiet hours
])
def test_quiet_hour_windows(start, end, hour, quiet):
    assert in_quiet_hours(kst(5, hour), start, end) is quiet


def test_morning_is_the_next_end_of_the_window():
    assert quiet_hours_end(kst(5, 22), 21, 8) == kst(6, 8)
    assert quiet_hours_end(kst(6, 3), 21, 8) == kst(6, 8)
    assert quiet_hours_end(kst(6, 3), 0, 6) == kst(6, 6)


def test_settings_feed_the_guards():
    guards = Guards.from_settings({"FALLBACK_POLICY": "always", "ALIMTALK_CAP_PER_DAY": 3, "QUIET_HOURS_START": 22,
                                   "QUIET_HOURS_END": 7, "ALIMTALK_STALE_HOURS": 6})
    assert guards == Guards("always", 3, 22, 7, 6)
    assert Guards.from_settings({"FALLBACK_POLICY": "sometimes"}).policy == "missed_only"
