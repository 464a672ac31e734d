"""The morning warning: only on days with a match, only to people who opted in, once a day; and the job as the
worker runs it (the schedule at 10:30 Asia/Seoul, the MENU_ALLERGEN_PUSH setting)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core import menu
from core.jobs.registry import Env, registry
from core.menu import jobs as menu_jobs
from core.models.menu import Cafeteria
from core.models.push import PushMessage
from extensions import db


def _people(app, make_user):
    """kim avoids 새우 (Monday's 두부새우젓국), lee 메밀 (never served), park 새우 but did not opt in, choi 호두
    (Monday's dinner) at the district office, which serves no walnuts."""
    wanted = {"kim": ([9], True, "시청 본관"), "lee": ([3], True, "시청 본관"), "park": ([9], False, "시청 본관"),
              "choi": ([14], True, "일산동구청")}
    ids = {}
    with app.app_context():
        for name, (numbers, opted, hall) in wanted.items():
            user = make_user(name)
            cafeteria = db.session.scalar(select(Cafeteria).where(Cafeteria.name == hall))
            menu.save_profile(db.session, user.id, allergens=numbers, cafeteria_id=cafeteria.id, morning_push=opted)
            ids[name] = user.id
        db.session.commit()
    return ids


def _messages(app) -> list[PushMessage]:
    with app.app_context():
        return list(db.session.scalars(select(PushMessage).order_by(PushMessage.id)))


def test_warns_only_opted_in_people_with_a_match(app, make_user, sample_week):
    ids = _people(app, make_user)
    with app.app_context():
        assert menu_jobs.warn(db.session, date(2027, 1, 4)) == 1
        db.session.commit()
    [message] = _messages(app)
    assert message.audience["users"] == [ids["kim"]]
    assert message.url == "/menu" and message.source == "menu"
    assert "중식 두부새우젓국: 새우" in message.body and "석식 배추김치: 새우" in message.body
    assert "조식" not in message.body                                  # breakfast is over by 10:30
    with app.app_context():
        assert menu_jobs.warn(db.session, date(2027, 1, 4)) == 0        # once a day
        assert menu_jobs.warn(db.session, date(2027, 1, 9)) == 0        # a Saturday without meals
        db.session.commit()
    assert len(_messages(app)) == 1


def test_the_scheduled_job_uses_the_test_clock_and_the_setting(app, make_user, sample_week, clock):
    _people(app, make_user)
    schedules = [s for s in registry.schedules if s.kind == menu_jobs.KIND]
    assert [s.daily_at.isoformat(timespec="minutes") for s in schedules] == ["10:30"]
    with app.app_context():
        env = Env(factory=sessionmaker(bind=db.engine), settings={**app.config, "MENU_ALLERGEN_PUSH": False})
        clock.set_kst(2027, 1, 4, 10, 30)
        menu_jobs.handle_warn(env, {})
        assert _messages(app) == []
        env = Env(factory=sessionmaker(bind=db.engine), settings={**app.config, "MENU_ALLERGEN_PUSH": True})
        clock.set_kst(2027, 1, 6, 10, 30)     # Wednesday: the 시청 본관 lunch has 두부새우젓국 again
        menu_jobs.handle_warn(env, {})
    assert len(_messages(app)) == 1
