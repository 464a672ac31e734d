"""Demo AlimTalk templates, approved as Kakao's review would have them, under the codes the settings name:
the missed-call fallback (``ALIMTALK_TEMPLATE_CODE``, made by core/demo/lettering.py under its default code)
and the opt-out page's one-time code (``OPTOUT_CODE_TEMPLATE_CODE``). So a fresh ``make run`` sends both and the
console shows no red banner."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo.lettering import TEMPLATE_BODY, TEMPLATE_BUTTONS
from core.lettering.alimtalk_templates import fallback_code, optout_code
from core.lettering.optout import CODE_TEMPLATE_BODY
from core.models.lettering import AlimTalkTemplate
from core.timeutil import utcnow

ORDER = 51  # after core/demo/lettering.py (50)


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    created = []
    wanted = [(fallback_code(settings), "부재중 전화 안내", TEMPLATE_BODY, TEMPLATE_BUTTONS),
              (optout_code(settings), "수신 거부 인증번호", CODE_TEMPLATE_BODY, [])]
    for code, name, body, buttons in wanted:
        if session.scalar(select(AlimTalkTemplate.id).where(AlimTalkTemplate.code == code)) is not None:
            continue  # an admin's record of Kakao's review is never overwritten
        session.add(AlimTalkTemplate(code=code, name=name, kind="basic", body=body, extra="", buttons=list(buttons),
                                     status="approved", review_comment="", status_changed_at=now))
        created.append(code)
    session.flush()
    return {"templates_created": created}
