"""Only a number's owner can see or undo its opt-out. Typing a number on /optout opts it out (that only protects)
and answers the same whatever its status was; seeing or undoing it needs the token of the AlimTalk sent to the
number or a one-time code sent to it by AlimTalk (the real worker and the Kakao simulator here)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.lettering.optout import is_opted_out, opt_out
from core.models.jobs import Job
from core.models.lettering import OptOut
from core.models.optout_codes import OptOutCode
from core.privacy import hash_from_optout_token, phone_hash
from extensions import db

NUMBER, E164 = "010-2468-1357", "+821024681357"


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def form(client, clock) -> str:
    """A CSRF token, taken after the clock moved (to a weekday morning; a test may move it on)."""
    return _csrf(client.get("/optout").get_data(as_text=True))


def hashed(app) -> str:
    return phone_hash(E164, app.config["PHONE_HASH_KEY"])


def without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf[-_]token"[^>]*value|content)="[^"]*"', "", html)


def ask_code(client, form: str, number: str = NUMBER):
    return client.post("/optout", data={"csrf_token": form, "number": number, "action": "code"})


def sent_codes(sim) -> list[tuple[str, str]]:
    """(recipient, code) of every code message that reached the Kakao simulator."""
    recipients = [r["body"]["recipientList"][0] for r in sim.requests("kakao")
                  if r["body"]["templateCode"] == "GY_OPTOUT_CODE"]
    return [(r["recipientNo"], r["templateParameter"]["인증번호"]) for r in recipients]


def test_typing_a_number_opts_it_out_and_tells_nothing_of_its_status(app, client, form):
    first = client.post("/optout", data={"csrf_token": form, "number": NUMBER, "action": "optout"})
    assert first.status_code == 200  # no redirect: no token, no status page
    assert is_opted_out(db.session, hashed(app))
    again = client.post("/optout", data={"csrf_token": form, "number": NUMBER, "action": "optout"})
    assert without_csrf(again.get_data(as_text=True)) == without_csrf(first.get_data(as_text=True))
    html = first.get_data(as_text=True)
    assert "수신 거부를 접수했습니다" in html
    assert "/optout/" not in html.replace("/optout/code", "")  # no link to the number's own page
    assert "수신 거부 상태입니다" not in html and "취소하기" not in html and "2468" not in html
    assert db.session.scalar(select(OptOut.masked)) == "010-****-1357"


def test_asking_for_a_code_tells_nothing_either(app, client, form):
    opt_out(db.session, hashed(app))
    db.session.commit()
    pages = []
    for number in (NUMBER, "010-1111-2222"):  # opted out, and not
        answer = ask_code(client, form, number)
        assert answer.status_code == 302 and "/optout/code/" in answer.headers["Location"]
        assert number.replace("-", "")[3:7] not in answer.headers["Location"]
        pages.append(client.get(answer.headers["Location"]).get_data(as_text=True))
    for page in pages:
        assert "수신 거부 상태입니다" not in page and "인증번호 6자리를 보냈습니다" in page
    # The masked numbers and the challenges differ; nothing else does.
    assert without_csrf(re.sub(r"/optout/code/[\w-]+|010-\*{4}-\d{4}", "", pages[0])) == \
        without_csrf(re.sub(r"/optout/code/[\w-]+|010-\*{4}-\d{4}", "", pages[1]))


def test_the_owner_undoes_with_a_code_from_alimtalk(app, client, form, sim, drain):
    opt_out(db.session, hashed(app), masked="010-****-1357")
    db.session.commit()
    code_page = ask_code(client, form).headers["Location"]
    drain()
    [(recipient, code)] = sent_codes(sim)
    assert recipient == "01024681357" and re.fullmatch(r"\d{6}", code)
    html = client.get(code_page).get_data(as_text=True)
    wrong = "000000" if code != "000000" else "111111"
    answer = client.post(code_page, data={"csrf_token": _csrf(html), "code": wrong})
    assert answer.status_code == 422 and "4번 더 입력할 수 있습니다" in answer.get_data(as_text=True)
    assert 'aria-invalid="true"' in answer.get_data(as_text=True)
    right = client.post(code_page, data={"csrf_token": _csrf(html), "code": code})
    assert right.status_code == 302
    token = right.headers["Location"].split("/optout/", 1)[1].split("?", 1)[0]
    assert hash_from_optout_token(token, app.config["SECRET_KEY"]) == hashed(app)
    status = client.get(right.headers["Location"]).get_data(as_text=True)
    assert "수신 거부 상태입니다" in status and "010-****-1357" in status
    client.post(f"/optout/{token}/undo", data={"csrf_token": _csrf(status)})
    db.session.expire_all()
    assert not is_opted_out(db.session, hashed(app))
    reused = client.post(code_page, data={"csrf_token": _csrf(html), "code": code})
    assert reused.status_code == 410  # a code proves the number once


def test_a_code_expires_after_five_minutes(app, client, form, sim, drain, clock):
    start = clock.set_kst(2026, 3, 2, 10, 0)
    first = ask_code(client, form).headers["Location"]
    drain()
    clock.move_to(start + timedelta(minutes=4, seconds=50))
    second = ask_code(client, form).headers["Location"]
    drain()
    [(_, code_1), (_, code_2)] = sent_codes(sim)
    clock.move_to(start + timedelta(minutes=5, seconds=1))
    html = client.get(first).get_data(as_text=True)
    expired = client.post(first, data={"csrf_token": _csrf(html), "code": code_1})
    assert expired.status_code == 410 and "유효 시간(5분)이 지났습니다" in expired.get_data(as_text=True)
    assert client.post(second, data={"csrf_token": _csrf(html), "code": code_2}).status_code == 302


def test_five_tries_at_most(app, client, form, sim, drain):
    code_page = ask_code(client, form).headers["Location"]
    drain()
    [(_, code)] = sent_codes(sim)
    html = client.get(code_page).get_data(as_text=True)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        answer = client.post(code_page, data={"csrf_token": _csrf(html), "code": wrong})
        assert answer.status_code == 422 and f"{left}번 더" in answer.get_data(as_text=True)
    locked = client.post(code_page, data={"csrf_token": _csrf(html), "code": code})
    assert locked.status_code == 410 and "더 입력할 수 없습니다" in locked.get_data(as_text=True)


def test_codes_to_one_number_are_rate_limited(app, client, form, sim, drain):
    for _ in range(3):
        assert ask_code(client, form).status_code == 302
    refused = ask_code(client, form)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "잠시 후 다시 시도해 주세요" in refused.get_data(as_text=True)
    assert ask_code(client, form, "010-1111-2222").status_code == 302  # another number still gets one
    drain()
    assert len(sent_codes(sim)) == 4


def test_the_code_is_stored_hashed_and_the_number_only_sealed_until_sent(app, client, form, sim, drain):
    ask_code(client, form)
    job = db.session.scalar(select(Job).where(Job.kind == "lettering.optout_code"))
    assert set(job.payload) == {"code_id"}
    db.session.rollback()
    drain()
    [(_, code)] = sent_codes(sim)
    row = db.session.scalar(select(OptOutCode))
    assert row.sealed is None and row.send_status == "sent"
    assert row.phone_hash == hashed(app)
    values = " ".join(str(getattr(row, c.key)) for c in OptOutCode.__table__.columns)
    assert code not in values and "2468" not in values
    assert db.session.scalar(select(func.count(OptOut.id))) == 0  # asking for a code changes nothing


def test_an_unknown_or_forged_challenge_is_a_404(client, form):
    for challenge in ("nope", "x" * 300):
        assert client.get(f"/optout/code/{challenge}").status_code == 404
        assert client.post(f"/optout/code/{challenge}", data={"csrf_token": form, "code": "123456"}).status_code == 404
    assert client.get("/optout/code/%00").status_code in (400, 404)
