"""The Kakao simulator knows the templates registered and approved there, as real Kakao does: set over
``PUT /_sim/templates`` or followed from the file the project writes from the console's record of Kakao's
review (KAKAO_SIM_TEMPLATES_FILE). An unknown or unapproved code, a missing or unknown variable, a button the
template lacks and a message over 1,000 characters are refused with -2001; with the real worker such a call
ends as template_error and is not retried."""
from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import select

from core.lettering import kakao_sim_file
from core.models.calls import CallLog
from core.models.lettering import AlimTalkTemplate
from extensions import db
from tests.conftest import csrf_token_from
from tests.lettering.conftest import Sim, call_row, event, iphone_number

WINTER_BODY = "[#{기관명}] #{부서명}에서 전화드렸습니다.\n#{안내문구}\n#{캠페인}"
WINTER_BUTTONS = [{"name": "기관 확인", "kind": "verify"}, {"name": "안내 보기", "kind": "campaign"}]


def _send(sim: Sim, app, code: str, params: dict, buttons: list[dict] | None = None, key: str = "") -> dict:
    body = {"senderKey": app.config["KAKAO_SENDER_KEY"], "templateCode": code,
            "recipientList": [{"recipientNo": "01012345678", "templateParameter": params,
                               "buttons": buttons or [], "recipientGroupingKey": "g"}]}
    answer = httpx.post(f"{sim.kakao_url}/alimtalk/v2.3/appkeys/{app.config['KAKAO_APP_KEY']}/messages",
                        json=body, headers={"X-Secret-Key": app.config["KAKAO_SECRET_KEY"],
                                            "X-NC-API-IDEMPOTENCY-KEY": key or f"k-{time.monotonic_ns()}"},
                        timeout=10)
    return answer.json()["header"]


def _registration(code: str, content: str, status: str = "TSC03", buttons: tuple[str, ...] = ()) -> dict:
    return {"templateCode": code, "templateContent": content, "templateStatus": status,
            "buttons": [{"ordering": n, "type": "WL", "name": name} for n, name in enumerate(buttons, 1)]}


def _button(name: str) -> dict:
    return {"ordering": 1, "type": "WL", "name": name, "linkMo": "https://x/", "linkPc": "https://x/"}


def test_the_simulator_checks_messages_against_the_registered_templates(app, sim):
    demo = {"기관명": "고양특례시", "부서명": "안전총괄과", "발신번호": "031-8075-0101", "안내문구": "안내"}
    assert _send(sim, app, "GY_MISSED_CALL", demo)["resultCode"] == 0           # the demo's, without registration
    answer = httpx.put(f"{sim.kakao_url}/_sim/templates", timeout=10, json={"templates": [
        _registration("GY_WINTER", "#{부서명}: #{안내문구}", buttons=("기관 확인", "안내 보기")),
        _registration("GY_REVIEW", "#{부서명}", status="TSC02"),
        _registration("GY_LONG", "#{안내문구}" + "가" * 990)]})
    assert answer.json() == {"templates": 3}
    listed = httpx.get(f"{sim.kakao_url}/_sim/templates", timeout=10).json()["templates"]
    assert [t["templateCode"] for t in listed] == ["GY_WINTER", "GY_REVIEW", "GY_LONG"]

    ok = {"부서명": "안전총괄과", "안내문구": "겨울철 안전"}
    assert _send(sim, app, "GY_WINTER", ok, [_button("기관 확인"), _button("안내 보기")])["resultCode"] == 0
    assert _send(sim, app, "GY_WINTER", ok, [_button("기관 확인")])["resultCode"] == 0   # a button left out
    refused = {
        "unknown templateCode": ("GY_MISSED_CALL", demo, []),                      # no longer registered
        "not approved": ("GY_REVIEW", {"부서명": "x"}, []),
        "parameter is missing: 안내문구": ("GY_WINTER", {"부서명": "x"}, []),
        "no parameter 캠페인": ("GY_WINTER", {**ok, "캠페인": "x"}, []),
        "buttons do not match": ("GY_WINTER", ok, [_button("수신 거부")]),
        "longer than 1000": ("GY_LONG", {"안내문구": "나" * 11}, []),
    }
    for reason, (code, params, buttons) in refused.items():
        header = _send(sim, app, code, params, buttons)
        assert (header["resultCode"], header["isSuccessful"]) == (-2001, False), reason
        assert reason in header["resultMessage"]
    assert _send(sim, app, "GY_WINTER", ok, [_button("안내 보기"), _button("기관 확인")])["resultCode"] == -2001
    assert _send(sim, app, "GY_LONG", {"안내문구": "나" * 10})["resultCode"] == 0         # exactly 1,000
    bad = httpx.put(f"{sim.kakao_url}/_sim/templates", json={"templates": [{"templateCode": "X"}]}, timeout=10)
    assert bad.status_code == 400 and len(httpx.get(f"{sim.kakao_url}/_sim/templates", timeout=10)
                                          .json()["templates"]) == 3   # a bad set changes nothing


@pytest.fixture
def file_sim(app, tmp_path):
    """A simulator following the templates file that the project writes (as ``make run`` wires them)."""
    path = tmp_path / "kakao-sim-templates.json"
    app.config["KAKAO_SIM_TEMPLATES_FILE"] = str(path)
    simulator = Sim(app.config, templates_file=str(path))
    yield simulator, path
    simulator.close()


def test_the_simulator_approves_what_the_console_records(app, client, login, make_user, file_sim):
    simulator, path = file_sim
    params = {"기관명": "고양특례시", "부서명": "안전총괄과", "안내문구": "안내", "캠페인": "겨울철 안전"}
    assert _send(simulator, app, "GY_WINTER", params)["resultCode"] == -2001        # no file yet: nothing known
    row = AlimTalkTemplate(code="GY_WINTER", name="겨울 안내", body=WINTER_BODY, buttons=WINTER_BUTTONS,
                           status="pending")
    db.session.add(row)
    db.session.commit()
    assert kakao_sim_file.write(db.session, app.config)                           # what the worker does at start
    written = json.loads(path.read_text())["templates"]
    assert written == [{"templateCode": "GY_WINTER", "templateName": "겨울 안내", "templateMessageType": "BA",
                        "templateContent": WINTER_BODY, "templateExtra": "", "templateStatus": "TSC02",
                        "buttons": [{"ordering": 1, "type": "WL", "name": "기관 확인"},
                                    {"ordering": 2, "type": "WL", "name": "안내 보기"}]}]
    assert "not approved (TSC02)" in _send(simulator, app, "GY_WINTER", params)["resultMessage"]

    make_user("boss", role="admin")
    login("boss")
    url = f"/admin/lettering/templates/{row.id}"
    csrf = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(f"{url}/status", data={"csrf_token": csrf, "status": "approved"}).status_code == 302
    assert _send(simulator, app, "GY_WINTER", params)["resultCode"] == 0             # approved in the console
    client.post(f"{url}/status", data={"csrf_token": csrf, "status": "rejected", "comment": "광고성 문구"})
    assert _send(simulator, app, "GY_WINTER", params)["resultCode"] == -2001         # and blocked again


def test_a_template_kakao_does_not_know_ends_the_call_as_template_error(post_events, drain, sim, line, template):
    """The console says approved, the provider has nothing under that code: -2001, recorded, never retried."""
    httpx.put(f"{sim.kakao_url}/_sim/templates", json={"templates": []}, timeout=10).raise_for_status()
    peer = iphone_number()
    post_events([event("c-kt1", "dial", peer=peer), event("c-kt1", "missed", peer=peer)])
    drain()
    assert call_row("c-kt1").alimtalk_status == "template_error"
    assert [r["answer"] for r in sim.requests("kakao")] == ["-2001"]                 # one request, no retry
    logs = db.session.scalars(select(CallLog).where(CallLog.call_pk == call_row("c-kt1").id,
                                                    CallLog.kind == "alimtalk")).all()
    assert any("-2001" in str(entry.detail) or "unknown templateCode" in entry.summary for entry in logs)
    # Registered and approved as the console has it, the next call goes out.
    httpx.put(f"{sim.kakao_url}/_sim/templates", timeout=10,
              json={"templates": [kakao_sim_file.registration(template)]}).raise_for_status()
    other = iphone_number(start=300)
    post_events([event("c-kt2", "dial", peer=other), event("c-kt2", "missed", peer=other)])
    drain()
    assert call_row("c-kt2").alimtalk_status == "sent"
