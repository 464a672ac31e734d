"""Demo data (about 4,000 lines, one active campaign, the approved template) and the demo-calls CLI."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core.demo import lettering as demo
from core.lettering.campaigns import active_campaign_for
from core.models.calls import Call, CallEvent
from core.models.jobs import Job
from core.models.lettering import AlimTalkTemplate, Campaign, Line
from core.models.organization import Department
from core.phone import try_normalize
from core.timeutil import utcnow
from extensions import db


def test_demo_seed_builds_lines_campaign_and_template_idempotently(app):
    first = demo.seed(db.session, app.config)
    db.session.commit()
    lines = list(db.session.scalars(select(Line)))
    assert 3900 <= len(lines) <= 4100 and first["lines_added"] == len(lines)
    assert len({line.number for line in lines}) == len(lines)
    assert len({line.extension for line in lines}) == len(lines)
    assert all(try_normalize(line.number) == line.number for line in lines[:: 97])
    assert all(0 < len(line.message) <= 64 for line in lines)
    per_department = Counter(line.department_id for line in lines)
    departments = db.session.scalar(select(func.count(Department.id)))
    assert len(per_department) == departments >= 5          # every department has lines
    campaigns = list(db.session.scalars(select(Campaign)))
    assert len(campaigns) == 1
    campaign = campaigns[0]
    assert active_campaign_for(db.session, lines[0], utcnow()) is campaign
    assert len(campaign.image_urls) == 3 and campaign.youtube_id and len(campaign.links) == 3
    assert all(url.endswith(".png") and "/static/demo/" in url for url in campaign.image_urls)
    template = db.session.scalar(select(AlimTalkTemplate))
    assert template.code == "GY_MISSED_CALL" and template.status == "approved"
    for variable in ("#{기관명}", "#{부서명}", "#{발신번호}", "#{안내문구}"):
        assert variable in template.body
    assert [b["name"] for b in template.buttons] == ["기관 확인", "안내 보기", "수신 거부"]

    second = demo.seed(db.session, app.config)
    db.session.commit()
    assert second["lines_added"] == 0 and not second["campaign_created"] and not second["template_created"]
    assert db.session.scalar(select(func.count(Line.id))) == len(lines)
    assert db.session.scalar(select(func.count(Campaign.id))) == 1


def test_demo_seed_uses_existing_departments(app, departments):
    demo.seed(db.session, app.config)
    db.session.commit()
    assert db.session.scalar(select(func.count(Department.id))) == 2
    counts = Counter(db.session.scalars(select(Line.department_name)))
    assert set(counts) == {"대중교통과", "세정과"} and sum(counts.values()) >= 3900


def test_demo_card_news_images_are_served(client):
    for i in (1, 2, 3):
        response = client.get(f"/static/demo/card-news-{i}.png")
        assert response.status_code == 200 and response.data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(response.data) < 60_000


def test_demo_calls_cli_sends_signed_events_to_a_live_server(app, runner, live_server, lines):
    result = runner.invoke(args=["lettering", "demo-calls", "--count", "6", "--interval", "0",
                                 "--url", live_server.url, "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert '"calls": 6' in result.output and '"events": 24' in result.output
    assert '"duplicates": 0' in result.output
    calls = list(db.session.scalars(select(Call)))
    assert len(calls) == 6
    assert db.session.scalar(select(func.count(CallEvent.id))) == 24
    types = Counter(db.session.scalars(select(CallEvent.type)))
    assert types["dial"] == 6 and types["ended"] == 6 and types["answered"] + types["missed"] == 6
    assert {call.line_id for call in calls} <= {line.id for line in lines}
    assert all(call.peer_masked.startswith("010-****-") for call in calls)
    assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "lettering.dial")) == 6
    # Citizens' numbers are printed masked only.
    for call in calls:
        assert call.peer_masked in result.output
    assert "010-" not in result.output.replace("010-****-", "")


def test_demo_calls_cli_never_aborts_on_a_real_mobile_number(app, runner, live_server, lines):
    """Seed 2 draws 010-59xx-xxxx (which phonenumbers calls invalid) at call 13; every call must go through."""
    result = runner.invoke(args=["lettering", "demo-calls", "--count", "40", "--interval", "0",
                                 "--url", live_server.url, "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert '"calls": 40' in result.output
    assert db.session.scalar(select(func.count(Call.id))) == 40
    assert any(call.peer_masked.startswith("010-****-") for call in db.session.scalars(select(Call)))


def test_demo_calls_cli_reports_a_wrong_secret_or_no_server(app, runner, live_server, lines):
    import click
    import httpx
    import pytest

    from blueprints.lettering.cli import _post

    event = {"event_id": "e-x", "call_id": "c-x", "type": "dial", "line": "3005", "peer": "010-1234-5678",
             "at": utcnow().isoformat()}
    with httpx.Client() as client, pytest.raises(click.ClickException) as excinfo:
        _post(client, f"{live_server.url}/api/pbx/events", "not-the-secret", event)
    assert "PBX_WEBHOOK_SECRET" in excinfo.value.message
    assert db.session.scalar(select(func.count(CallEvent.id))) == 0
    down = runner.invoke(args=["lettering", "demo-calls", "--count", "1", "--interval", "0",
                               "--url", "http://127.0.0.1:9"])
    assert down.exit_code != 0 and "연결할 수 없습니다" in down.output
