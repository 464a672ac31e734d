"""Counts per KST day and their SVG charts."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from blueprints.lettering.charts import Series, build, nice_max
from core.lettering.stats import daily_stats
from core.models.lettering import CampaignEvent, OptOut
from core.timeutil import KST, to_kst, utcnow
from extensions import db


def _kst(day_offset: int, hour: int, minute: int = 0) -> datetime:
    today = to_kst(utcnow()).date() + timedelta(days=day_offset)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=KST).astimezone(UTC)


def _seed(lines, make_call, campaign):
    bus, tax = lines
    # Yesterday (KST): three calls of the bus department, one of them just before midnight KST.
    make_call(bus, "+821000000001", dialed_at=_kst(-1, 9), lettering_status="accepted", outcome="answered")
    make_call(bus, "+821000000002", dialed_at=_kst(-1, 10), lettering_status="unsupported_device",
              outcome="missed", alimtalk_status="delivered")
    make_call(bus, "+821000000003", dialed_at=_kst(-1, 23, 50), lettering_status="not_subscriber",
              outcome="missed", alimtalk_status="not_kakao_user")
    # Today: one bus call, one tax call.
    make_call(bus, "+821000000004", dialed_at=_kst(0, 0, 10), lettering_status="accepted", outcome="missed")
    make_call(tax, "+821000000005", dialed_at=_kst(0, 8), lettering_status="unsupported_device",
              outcome="answered", alimtalk_status="sent")
    db.session.add_all([OptOut(phone_hash="a" * 64, masked="010-****-0001", created_at=_kst(-1, 12)),
                        CampaignEvent(campaign_id=campaign.id, kind="visit", at=_kst(0, 1)),
                        CampaignEvent(campaign_id=campaign.id, kind="visit", at=_kst(0, 2)),
                        CampaignEvent(campaign_id=campaign.id, kind="click", link_index=0, at=_kst(0, 2))])
    db.session.commit()


def test_daily_stats_group_by_kst_day(app, lines, make_call, campaign):
    _seed(lines, make_call, campaign)
    today = to_kst(utcnow()).date()
    data = daily_stats(db.session, today - timedelta(days=6), today)
    s = data.series
    assert len(data.days) == 7 and data.days[-1] == today
    assert s["calls"][-2:] == [3, 2]                 # 23:50 KST stays on its own day
    assert s["accepted"][-2:] == [1, 1]
    assert s["unsupported_device"][-2:] == [1, 1]
    assert s["not_subscriber"][-2:] == [1, 0]
    assert s["alimtalk_sent"][-2:] == [1, 1]         # delivered, sent
    assert s["alimtalk_delivered"][-2:] == [1, 0]
    assert s["alimtalk_failed"][-2:] == [1, 0]       # not a KakaoTalk user
    assert s["optouts"][-2:] == [1, 0]
    assert (s["visits"][-1], s["clicks"][-1]) == (2, 1)
    assert data.answered == {"lettered": (1, 2), "unlettered": (1, 3)}
    bus_only = daily_stats(db.session, today - timedelta(days=6), today, lines[0].department_id)
    assert bus_only.series["calls"][-2:] == [3, 1]
    assert bus_only.series["visits"][-1] == 2        # city-wide


def test_chart_geometry_is_proportional():
    assert [nice_max(v) for v in (0, 1, 3, 7, 12, 180, 1000)] == [1, 1, 5, 10, 20, 200, 1000]
    chart = build("c", "bar", "레터링 결과", ["11-01", "11-02"],
                  [Series("a", "표시됨", [2, 4]), Series("b", "미지원", [2, 0])])
    assert chart.y_max == 5
    heights = {(bar["label"]): bar["h"] for bar in chart.bars}
    assert heights["11-02 표시됨: 4"] == 2 * heights["11-01 표시됨: 2"]
    assert len(chart.bars) == 3                      # a zero value draws nothing
    line = build("l", "line", "알림톡", ["a", "b", "c"], [Series("s", "발송", [0, 5, 10])])
    ys = [y for _, y, _ in line.lines[0]["points"]]
    assert ys[0] > ys[1] > ys[2] and abs((ys[0] - ys[1]) - (ys[1] - ys[2])) < 0.2


def test_stats_page_renders_accessible_svg_charts_with_the_numbers(client, login, make_user, lines, make_call,
                                                                   campaign):
    _seed(lines, make_call, campaign)
    make_user("boss", role="admin")
    login("boss")
    html = client.get("/admin/lettering/stats?days=7").get_data(as_text=True)
    assert html.count("<svg viewBox=\"0 0 640 240\" role=\"img\"") == 6
    for chart_id in ("chart-calls", "chart-lettering", "chart-answer-rate", "chart-alimtalk", "chart-optouts",
                     "chart-landing"):
        svg = html.split(f'id="{chart_id}"', 1)[1].split("</svg>", 1)[0]
        assert 'role="img"' in svg and f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
    calls = html.split('id="chart-calls"', 1)[1].split("</figure>", 1)[0]
    assert "발신: 3</title>" in calls and "발신: 2</title>" in calls
    assert "발신 합계 5" in calls and "수신 합계 0" in calls                   # the <desc>
    table = calls.split("<tfoot>", 1)[1]
    assert re.search(r"합계</th><td>5</td>", table)
    lettering = html.split('id="chart-lettering"', 1)[1].split("</figure>", 1)[0]
    assert "미지원 단말: 1</title>" in lettering and "미가입: 1</title>" in lettering
    landing = html.split('id="chart-landing"', 1)[1].split("</figure>", 1)[0]
    assert "방문: 2</title>" in landing and "링크 클릭: 1</title>" in landing and "<polyline" in landing
    assert "아직 통화가 부족합니다" in html                                    # the lift needs 30 calls per arm
    rates = html.split('id="chart-answer-rate"', 1)[1].split("</figure>", 1)[0]
    assert "레터링: 50%</title>" in rates and "<tfoot>" not in rates         # 1 of 2 finished; no sum of rates
    dept = client.get(f"/admin/lettering/stats?days=7&dept={lines[1].department_id}").get_data(as_text=True)
    assert "발신 합계 1" in dept
    assert client.get("/admin/lettering/stats?days=abc&dept=x").status_code == 200


def test_grouped_bars_sit_side_by_side():
    chart = build("g", "group", "알림톡", ["11-01"], [Series("a", "발송", [3]), Series("b", "전달됨", [3])])
    first, second = chart.bars
    assert first["h"] == second["h"] and abs(second["x"] - (first["x"] + first["w"])) < 0.2
    assert chart.y_max == 5
