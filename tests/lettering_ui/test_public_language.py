"""The citizens' opt-out and verify pages say each sentence whole, with the number inside it, in Korean and
in English."""
from html import unescape

from core.lettering.optout import opt_out
from core.privacy import optout_token, phone_hash
from extensions import db

EN = {"Accept-Language": "en"}


def _token(app, make_call, lines, peer: str) -> tuple[str, str]:
    make_call(lines[0], peer)
    hashed = phone_hash(peer, app.config["PHONE_HASH_KEY"])
    return hashed, optout_token(hashed, app.config["SECRET_KEY"])


def test_opt_out_question_is_one_sentence_with_the_number(app, client, make_call, lines):
    _, token = _token(app, make_call, lines, "+821055557777")
    english = unescape(client.get(f"/optout/{token}", headers=EN).get_data(as_text=True))
    assert ("<p>Stop receiving, on 010-****-7777, the display screen shown when Goyang Special City calls you and "
            "the missed-call KakaoTalk notifications?</p>") in english
    korean = client.get(f"/optout/{token}").get_data(as_text=True)
    assert ("<p>010-****-7777 번호로 고양특례시가 전화할 때 보여 드리는 안내 화면과 부재중 알림톡을 더 이상 "
            "받지 않으시겠어요?</p>") in korean


def test_opted_out_state_is_one_sentence_with_the_number(app, client, make_call, lines):
    hashed, token = _token(app, make_call, lines, "+821055558888")
    opt_out(db.session, hashed, masked="010-****-8888", source="citizen")
    db.session.commit()
    english = unescape(client.get(f"/optout/{token}", headers=EN).get_data(as_text=True))
    assert ("010-****-8888 will not receive Goyang Special City's call display screens or KakaoTalk "
            "notifications.</p>") in english
    korean = client.get(f"/optout/{token}").get_data(as_text=True)
    assert "010-****-8888 번호는 고양특례시의 전화 안내 화면과 알림톡을 받지 않습니다.</p>" in korean


def test_unknown_number_sentence_keeps_the_number_in_bold(client, lines):
    english = unescape(client.get("/verify?n=010-2222-3333", headers=EN).get_data(as_text=True))
    assert ("<p><strong>010-2222-3333</strong> is not on Goyang Special City's list of official lines. The call may "
            "be from someone impersonating City Hall, so be careful.</p>") in english
    korean = client.get("/verify?n=010-2222-3333").get_data(as_text=True)
    assert ("<p><strong>010-2222-3333</strong> 번호는 고양특례시의 공식 회선 목록에 없습니다. 시청을 사칭한 "
            "전화일 수 있으니 주의하세요.</p>") in korean
