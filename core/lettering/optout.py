"""Citizens' opt-outs, matched by keyed hash only. Checked before every lettering and AlimTalk send; and the
one-time codes by which a citizen proves owning a number before its opt-out is shown or undone."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from core import jobs
from core.jobs import PermanentError, TransientError
from core.lettering.alimtalk_templates import optout_code, sendable_template
from core.models.lettering import OptOut
from core.models.optout_codes import OptOutCode
from core.phone import to_domestic_digits
from core.privacy import decrypt_phone, encrypt_phone, phone_hash
from core.timeutil import as_utc, utcnow

log = logging.getLogger("lettering.optout")


def is_opted_out(session: Session, hashed: str) -> bool:
    return session.scalar(select(OptOut.id).where(OptOut.phone_hash == hashed, OptOut.active)) is not None


def opt_out(session: Session, hashed: str, *, masked: str = "", source: str = "citizen") -> OptOut:
    row = session.scalar(select(OptOut).where(OptOut.phone_hash == hashed))
    if row is None:
        row = OptOut(phone_hash=hashed, masked=masked, source=source)
        session.add(row)
    row.active, row.source = True, source
    if masked:
        row.masked = masked
    session.flush()
    return row


def undo_opt_out(session: Session, hashed: str) -> bool:
    """Re-enable contact; returns whether an active opt-out was undone."""
    row = session.scalar(select(OptOut).where(OptOut.phone_hash == hashed, OptOut.active))
    if row is None:
        return False
    row.active = False
    session.flush()
    return True


# --- proving ownership of a number: a one-time code sent to it by AlimTalk ---------------------------------
# Opting a number out stays open to anyone (it only protects); seeing whether a number is opted out, or undoing
# it, needs the token of the AlimTalk sent to that number or one of these codes.
CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
CODE_MAX_TRIES = 5
CODE_KIND = "lettering.optout_code"
CODE_TEMPLATE = "GY_OPTOUT_CODE"    # setting OPTOUT_CODE_TEMPLATE_CODE; its one variable is #{인증번호}
CODE_TEMPLATE_BODY = "[고양특례시] 수신 거부 확인 인증번호는 #{인증번호}입니다. 5분 안에 입력해 주세요."


@dataclass(frozen=True)
class CodeCheck:
    status: str             # ok | wrong | expired | locked | unknown
    phone_hash: str = ""    # the proven number's hash (status ok)
    tries_left: int = 0


def _code_hash(challenge: str, code: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"optout-code:{challenge}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(session: Session, e164: str, settings: dict[str, Any], now: datetime | None = None) -> OptOutCode:
    """Record a new code for ``e164`` and the job that sends it, in the caller's transaction (the caller
    commits). The code leaves this function only sealed with the number, for the job."""
    now = now or utcnow()
    session.execute(delete(OptOutCode).where(OptOutCode.expires_at < now - timedelta(hours=1))
                    .execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge = secrets.token_urlsafe(18)
    row = OptOutCode(challenge=challenge, phone_hash=phone_hash(e164, settings["PHONE_HASH_KEY"]),
                     sealed=encrypt_phone(f"{e164} {code}", settings["PHONE_ENCRYPTION_KEY"]),
                     code_hash=_code_hash(challenge, code, settings["SECRET_KEY"]), expires_at=now + CODE_TTL,
                     attempts=0, send_status="queued", created_at=now)
    session.add(row)
    session.flush()
    jobs.enqueue(session, CODE_KIND, {"code_id": row.id}, max_attempts=4)
    return row


def code_expires_at(session: Session, challenge: str) -> datetime | None:
    """When the code of ``challenge`` expires (None: no such code), for the code page."""
    found = session.scalar(select(OptOutCode.expires_at).where(OptOutCode.challenge == challenge[:32]))
    return as_utc(found) if found is not None else None


def check_code(session: Session, challenge: str, code: str, secret: str, now: datetime | None = None) -> CodeCheck:
    """One try at the code of ``challenge``; the caller commits. Every try counts, in one conditional UPDATE
    each (two tries at once cannot both take the fifth), and a right code proves the number only once."""
    now = now or utcnow()
    row = session.scalar(select(OptOutCode).where(OptOutCode.challenge == challenge[:32]))
    if row is None:
        return CodeCheck("unknown")
    if row.used_at is not None:
        return CodeCheck("locked")
    if as_utc(row.expires_at) <= now:
        return CodeCheck("expired")
    counted = session.execute(update(OptOutCode).where(OptOutCode.id == row.id, OptOutCode.used_at.is_(None),
                                                       OptOutCode.attempts < CODE_MAX_TRIES)
                              .values(attempts=OptOutCode.attempts + 1)
                              .execution_options(synchronize_session=False)).rowcount
    if not counted:
        return CodeCheck("locked")
    session.refresh(row)
    left = CODE_MAX_TRIES - row.attempts
    typed = "".join(code.split())
    if not (len(typed) == CODE_DIGITS and typed.isdigit()
            and hmac.compare_digest(_code_hash(row.challenge, typed, secret), row.code_hash)):
        return CodeCheck("wrong", tries_left=left)
    used = session.execute(update(OptOutCode).where(OptOutCode.id == row.id, OptOutCode.used_at.is_(None))
                           .values(used_at=now, sealed=None).execution_options(synchronize_session=False)).rowcount
    return CodeCheck("ok", phone_hash=row.phone_hash) if used else CodeCheck("locked")


def code_request(code: str, e164: str, settings: dict[str, Any], challenge: str) -> dict[str, Any]:
    """The provider's message request for a code (PROTOCOLS.md §3)."""
    return {"senderKey": settings["KAKAO_SENDER_KEY"],
            "templateCode": str(settings.get("OPTOUT_CODE_TEMPLATE_CODE") or CODE_TEMPLATE),
            "recipientList": [{"recipientNo": to_domestic_digits(e164), "templateParameter": {"인증번호": code},
                               "resendParameter": {"isResend": False},
                               "recipientGroupingKey": f"optout-{challenge}"}]}


def handle_code(factory: sessionmaker[Session], ctx: Any, payload: dict) -> None:
    """The job that sends a code (``ctx``: the dispatch ``Context``, for its Kakao client and settings). The
    sealed number and code are dropped once sent, refused, or too late to be of use."""
    with factory() as session:
        row = session.get(OptOutCode, payload["code_id"])
        if row is None or row.sealed is None:
            return None  # sent by an earlier attempt, used, or purged
        if as_utc(row.expires_at) <= utcnow():
            row.sealed, row.send_status = None, "failed"
            session.commit()
            return None
        # Only an approved template is ever sent (the console shows a red banner while this one is not).
        if sendable_template(session, optout_code(ctx.settings)) is None:
            row.sealed, row.send_status = None, "failed"
            session.commit()
            log.warning("opt-out code %s not sent: template %s is not approved", payload["code_id"],
                        optout_code(ctx.settings))
            return None
        opened = decrypt_phone(row.sealed, ctx.settings["PHONE_ENCRYPTION_KEY"])
        challenge = row.challenge
        session.rollback()  # no transaction stays open while Kakao answers
    if opened is None:
        raise PermanentError("sealed code unreadable (key changed)")
    e164, code = opened.split(" ", 1)
    result = ctx.kakao.send(f"optout:{challenge}", code_request(code, e164, ctx.settings, challenge))
    if result.code == -9000:
        raise TransientError("kakao -9000 internal error")
    status = {0: "sent", -1005: "sent", -3001: "not_kakao_user"}.get(result.code, "failed")
    with factory() as session:
        session.execute(update(OptOutCode).where(OptOutCode.id == payload["code_id"])
                        .values(sealed=None, send_status=status).execution_options(synchronize_session=False))
        session.commit()
    log.info("opt-out code %s: %s (code %d)", payload["code_id"], status, result.code)
    return None


def code_gave_up(factory: sessionmaker[Session], payload: dict) -> None:
    """The code's job died: nothing will be sent, so the sealed number goes."""
    with factory() as session:
        session.execute(update(OptOutCode).where(OptOutCode.id == payload.get("code_id"))
                        .values(sealed=None, send_status="failed").execution_options(synchronize_session=False))
        session.commit()
