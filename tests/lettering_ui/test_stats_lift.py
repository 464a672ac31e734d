"""The lift of lettering against the holdout: intervals against published values, the assignment, the
measures, KST periods, the CSV and provider health. Tests own the clock (KST boundaries)."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from core.lettering.health import dead_cause, percentile, provider_health
from core.lettering.holdout import bucket, holdout_key, is_holdout
from core.lettering.lift import MIN_PER_ARM, lift
from core.lettering.proportions import newcombe_difference, wilson
from core.lettering.stats import by_period, daily_stats, kst_bounds
from core.models.jobs import Job
from core.models.organization import Department
from core.timeutil import KST
from extensions import db

# Newcombe RG (1998), Statistics in Medicine 17: 873-890, Table II, method 10 (hybrid score, no continuity
# correction), to 4 decimals.
NEWCOMBE_1998 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_1998)
def test_newcombe_hybrid_score_interval_matches_the_paper(counts, expected):
    d = newcombe_difference(*counts)
    assert (round(d.lower, 4), round(d.upper, 4)) == expected
    assert d.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])


def test_wilson_interval_matches_newcombe_1998_single_proportion():
    # Newcombe (1998), Statistics in Medicine 17: 857-872, Table I, method 3.
    assert tuple(round(v, 4) for v in wilson(81, 263)) == (0.2553, 0.3662)
    assert tuple(round(v, 4) for v in wilson(15, 148)) == (0.0624, 0.1605)
    assert tuple(round(v, 4) for v in wilson(0, 20)) == (0.0, 0.1611)
    assert tuple(round(v, 4) for v in wilson(1, 29)) == (0.0061, 0.1718)
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        newcombe_difference(1, 0, 1, 2)


@pytest.mark.parametrize("percent", [10, 25])
def test_holdout_assignment_is_stable_and_close_to_the_share(percent):
    key = holdout_key("a secret key")
    ids = [f"c-20260302-{i:06d}" for i in range(10_000)]
    held = [is_holdout(i, percent, key) for i in ids]
    assert held == [is_holdout(i, percent, key) for i in ids]            # the id alone decides, every time
    expected = 10_000 * percent / 100
    sigma = (10_000 * percent / 100 * (1 - percent / 100)) ** 0.5
    assert abs(sum(held) - expected) <= 3 * sigma                      # 10 %: 1,000 ± 90
    other = [is_holdout(i, percent, holdout_key("another key")) for i in ids]
    assert other != held and abs(sum(other) - expected) <= 3 * sigma   # the key matters: ids cannot be chosen
    assert all(0 <= bucket(i, key) < 10_000 for i in ids[:100])
    assert not any(is_holdout(i, 0, key) for i in ids) and all(is_holdout(i, 100, key) for i in ids)


def _at(clock_moment: datetime, **delta) -> datetime:
    return (clock_moment - timedelta(**delta)).astimezone(UTC)


def test_lift_counts_each_measure_per_arm_and_callbacks_within_24_hours(app, lines, make_call, clock):
    now = clock.set_kst(2026, 3, 4, 10)
    bus, tax = lines
    two_days = _at(now, days=2)
    # Lettered arm (bus): answered 90 s, answered 30 s, declined (ended unanswered), missed and called back.
    make_call(bus, "+821011110001", dialed_at=two_days, lettering_status="accepted", outcome="answered",
              answered_at=two_days, duration_s=90)
    make_call(bus, "+821011110002", dialed_at=two_days, lettering_status="unsupported_device", outcome="answered",
              answered_at=two_days, duration_s=30)
    make_call(bus, "+821011110003", dialed_at=two_days, lettering_status="accepted", outcome="ended", duration_s=0)
    make_call(bus, "+821011110004", dialed_at=two_days, lettering_status="not_subscriber", outcome="missed")
    make_call(bus, "+821011110004", dialed_at=two_days + timedelta(hours=3), lettering_status="incoming",
              outcome="answered")
    # Holdout arm (tax): missed, called back after 25 h (too late); missed an hour ago (window still open).
    make_call(tax, "+821022220001", dialed_at=two_days, lettering_status="holdout", holdout=True, outcome="missed")
    make_call(tax, "+821022220001", dialed_at=two_days + timedelta(hours=25), lettering_status="incoming",
              outcome="answered")
    make_call(tax, "+821022220002", dialed_at=_at(now, hours=1), lettering_status="holdout", holdout=True,
              outcome="missed")
    # Not in either arm: opted out, no line, still ringing.
    make_call(bus, "+821033330001", dialed_at=two_days, lettering_status="opted_out", outcome="answered")
    make_call(bus, "+821033330002", dialed_at=two_days, lettering_status="no_line", outcome="answered")
    make_call(bus, "+821033330003", dialed_at=two_days, lettering_status="accepted")
    start, end = kst_bounds(date(2026, 3, 1), date(2026, 3, 4))
    city, departments = lift(db.session, start, end, now)
    lettered, holdout = city.arms["lettered"], city.arms["holdout"]
    assert (lettered.calls, lettered.answered, lettered.declined, lettered.long) == (4, 2, 1, 1)
    assert (lettered.callback, lettered.callback_calls) == (1, 4)
    assert (holdout.calls, holdout.answered, holdout.callback, holdout.callback_calls) == (2, 0, 0, 1)
    assert [d.name for d in departments] == ["대중교통과", "세정과"]
    assert departments[0].arms["holdout"].calls == 0 and departments[1].arms["lettered"].calls == 0
    assert all(m.difference is None for m in city.measures)             # far below the minimum per arm
    only_tax, [tax_lift] = lift(db.session, start, end, now, tax.department_id)
    assert only_tax.arms["lettered"].calls == 0 and tax_lift.arms["holdout"].calls == 2


def test_enough_calls_give_the_interval_of_the_difference(app, lines, make_call, clock):
    now = clock.set_kst(2026, 3, 4, 10)
    bus = lines[0]
    n = MIN_PER_ARM
    for i in range(n):
        make_call(bus, f"+82101000{i:04d}", dialed_at=_at(now, days=2), lettering_status="accepted",
                  outcome="answered" if i < 21 else "missed")
        make_call(bus, f"+82102000{i:04d}", dialed_at=_at(now, days=2), lettering_status="holdout", holdout=True,
                  outcome="answered" if i < 12 else "missed")
    start, end = kst_bounds(date(2026, 3, 1), date(2026, 3, 4))
    city, _ = lift(db.session, start, end, now)
    answered = city.measures[0]
    assert answered.lettered == (21, n) and answered.holdout == (12, n)
    expected = newcombe_difference(21, n, 12, n)
    assert answered.difference == expected and answered.difference.excludes_zero
    assert round(answered.difference.estimate * 100, 1) == 30.0


def test_periods_follow_kst_days_weeks_and_months(app, lines, make_call, clock):
    clock.set_kst(2026, 3, 4, 10)
    bus = lines[0]
    for y, m, d, h, mi in ((2026, 2, 28, 23, 59), (2026, 3, 1, 0, 0), (2026, 3, 1, 23, 30), (2026, 3, 2, 0, 10),
                           (2026, 3, 2, 0, 20)):
        make_call(bus, dialed_at=datetime(y, m, d, h, mi, tzinfo=KST).astimezone(UTC), lettering_status="accepted",
                  outcome="answered")
    make_call(bus, "+821099990000", dialed_at=datetime(2026, 3, 2, 9, tzinfo=KST).astimezone(UTC),
              lettering_status="incoming", outcome="answered")
    data = daily_stats(db.session, date(2026, 2, 25), date(2026, 3, 4))
    assert data.series["outgoing"][3:6] == [1, 2, 2] and data.series["incoming"][5] == 1
    weeks = by_period(data, "week")
    # Wednesday 25 Feb starts the range (a partial week), Monday 2 March the next one.
    assert weeks.starts == [date(2026, 2, 25), date(2026, 3, 2)]
    assert weeks.series["outgoing"] == [3, 2] and weeks.series["calls"] == [3, 3]
    months = by_period(data, "month")
    assert months.starts == [date(2026, 2, 25), date(2026, 3, 1)] and months.series["outgoing"] == [1, 4]
    assert by_period(data, "nonsense").period == "day"


def test_stats_csv_has_every_chart_and_the_lift_and_cannot_run_formulas(client, login, make_user, lines,
                                                                      make_call, clock):
    clock.set_kst(2026, 3, 4, 10)
    evil = Department(organization="고양특례시", parent="", name='=HYPERLINK("http://x","y")', search_key="x")
    db.session.add(evil)
    db.session.commit()
    bus = lines[0]
    bus.department_id = evil.id
    db.session.commit()
    make_call(bus, dialed_at=datetime(2026, 3, 2, 10, tzinfo=KST).astimezone(UTC), lettering_status="accepted",
              outcome="answered")
    # Enough calls for a negative difference: a cell starting with "-" must not reach Excel as a formula.
    for i in range(MIN_PER_ARM):
        at = datetime(2026, 3, 2, 11, tzinfo=KST).astimezone(UTC)
        make_call(bus, f"+82103000{i:04d}", dialed_at=at, lettering_status="accepted", outcome="missed")
        make_call(bus, f"+82104000{i:04d}", dialed_at=at, lettering_status="holdout", holdout=True,
                  outcome="answered")
    make_user("boss", role="admin")
    login("boss")
    response = client.get("/admin/lettering/stats.csv?from=2026-03-01&to=2026-03-04&period=week")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["차트", "기간", "항목", "값"]
    charts = {r[0] for r in rows[1:]}
    for title in ("통화 수 (발신·수신)", "레터링 결과", "응답률: 레터링 대 홀드아웃", "알림톡", "수신 거부 (시 전체)",
                  "안내 페이지 (시 전체)", "레터링 효과: 시 전체"):
        assert title in charts
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(r[0] == '레터링 효과: =HYPERLINK("http://x","y")' for r in rows)   # not at a cell's start
    [diff] = [r for r in rows if r[0] == "레터링 효과: 시 전체" and r[2] == "응답률 · 차이(%p)"]
    assert diff[3].startswith("'-")                                      # -96.8 %p, escaped as text
    assert ["통화 수 (발신·수신)", "03-02~", "발신", str(1 + 2 * MIN_PER_ARM)] in rows
    filtered = client.get(f"/admin/lettering/stats.csv?from=2026-03-01&to=2026-03-04&dept={lines[1].department_id}")
    filtered_rows = list(csv.reader(io.StringIO(filtered.get_data().decode()[1:])))
    assert ["통화 수 (발신·수신)", "03-02", "발신", "0"] in filtered_rows


def test_provider_health_rates_percentiles_dead_causes_and_report_lag(app, lines, make_call, clock):
    now = clock.set_kst(2026, 3, 4, 10)
    bus = lines[0]
    for i, ms in enumerate((100, 120, 140, 160, 900)):
        make_call(bus, dialed_at=_at(now, minutes=10), lettering_status="failed" if i == 4 else "accepted",
                  carrier_latency_ms=ms)
    make_call(bus, dialed_at=_at(now, hours=5), lettering_status="accepted", carrier_latency_ms=300)
    make_call(bus, dialed_at=_at(now, minutes=20), lettering_status="unsupported_device", alimtalk_status="sent",
              alimtalk_sent_at=_at(now, minutes=19), alimtalk_latency_ms=250)
    make_call(bus, dialed_at=_at(now, minutes=30), lettering_status="unsupported_device", alimtalk_status="error",
              alimtalk_latency_ms=2000)
    db.session.add_all([Job(kind="lettering.dial", status="dead", last_error="unknown call c-1"),
                        Job(kind="lettering.dial", status="dead", last_error="unknown call c-22\nTraceback"),
                        Job(kind="lettering.alimtalk", status="dead", last_error="kakao -9000 internal error")])
    db.session.commit()
    health = provider_health(db.session, now)
    hour, day = health.carrier["hour"], health.carrier["day"]
    assert (hour.requests, hour.errors, day.requests) == (7, 1, 8)      # the two iPhones reached the carrier too
    assert hour.error_rate == pytest.approx(1 / 7)
    assert hour.latency_ms == {50: 140, 95: 900, 99: 900}
    assert health.kakao["hour"].requests == 2 and health.kakao["hour"].error_rate == pytest.approx(0.5)
    assert [(d.kind, d.cause, d.count) for d in health.dead] == [
        ("lettering.dial", "unknown call #", 2), ("lettering.alimtalk", "kakao # internal error", 1)]
    assert health.awaiting_reports == 1 and 19 * 60 <= health.oldest_awaiting_s < 21 * 60
    assert percentile([], 50) is None and percentile(list(range(1, 11)), 50) == 5 and dead_cause("") == "—"
