from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.public import bp
from core import ratelimit
from core.lettering import landing
from core.lettering import optout as optout_codes
from core.lettering.optout import is_opted_out, opt_out, undo_opt_out
from core.lettering.verify import verify_number
from core.models.calls import Call
from core.phone import mask, try_normalize
from core.privacy import hash_from_optout_token, optout_token, phone_hash
from extensions import db
from web.security import CSP

LOOKUP_SCOPE = "public.lookup"  # /verify and /optout by number share one allowance
CODE_SCOPE_NUMBER, CODES_PER_NUMBER_PER_HOUR = "optout.code.number", 3   # codes sent to one number
CODE_SCOPE_CLIENT, CODES_PER_CLIENT_PER_HOUR = "optout.code.client", 10  # codes asked for from one address
CODE_SCOPE_TRIES, TRIES_PER_CLIENT_PER_MINUTE = "optout.code.tries", 10  # codes typed from one address


def _limited() -> tuple[str, int, dict] | None:
    """The Korean 429 page when this client has used up its look-ups, else None."""
    limit = int(current_app.config["VERIFY_RATE_PER_MINUTE"])
    allowed, retry_after = ratelimit.hit(db.engine, LOOKUP_SCOPE, request.remote_addr or "-", limit=limit,
                                         window_s=60, hash_key=current_app.config["PHONE_HASH_KEY"])
    if allowed:
        return None
    return (render_template("public/ratelimited.html", retry_after=retry_after, limit=limit), 429,
            {"Retry-After": str(retry_after)})


def _not_found(message: str) -> tuple[str, int]:
    return render_template("public/message.html", title=_("찾을 수 없습니다"), message=message), 404


# --- the campaign page --------------------------------------------------------------------

def _campaign_csp(images: list[str], with_video: bool) -> str:
    """The app's CSP, plus the campaign's image hosts and, for its video, youtube-nocookie only."""
    policy = CSP.replace("img-src 'self' data: blob:",
                         " ".join(["img-src 'self' data:", *landing.external_origins(images)]))
    if with_video:
        policy += f"; frame-src {landing.YOUTUBE_EMBED_ORIGIN}"
    return policy


@bp.get("/p/<token>")
def campaign(token: str):
    item = landing.campaign_by_token(db.session, token)
    if item is None:
        return _not_found(_("안내 페이지를 찾을 수 없습니다. 주소를 다시 확인해 주세요."))
    live = landing.is_live(item)
    shown = landing.cards(item, current_app.config["PUBLIC_BASE_URL"]) if live else []
    images = [card["src"] for card in shown]
    video = item.youtube_id if live and landing.valid_youtube_id(item.youtube_id) else ""
    if live and request.method == "GET":
        landing.record_event(db.session, item, "visit")
        db.session.commit()
    g.csp = _campaign_csp(images, bool(video))
    links = [(i, link.get("title") or link.get("url")) for i, link in enumerate(item.links or [])
             if isinstance(link, dict) and landing.policy_link(item, i)] if live else []
    return render_template("public/campaign.html", campaign=item, live=live, images=shown, video=video,
                           links=links, embed_origin=landing.YOUTUBE_EMBED_ORIGIN)


@bp.get("/p/<token>/go/<id:index>")
def campaign_link(token: str, index: int):
    item = landing.campaign_by_token(db.session, token)
    url = landing.policy_link(item, index) if item is not None and landing.is_live(item) else None
    if url is None:
        return _not_found(_("연결할 링크를 찾을 수 없습니다."))
    landing.record_event(db.session, item, "click", index)
    db.session.commit()
    return redirect(url, 302)


# --- opting out ----------------------------------------------------------------------------------

def _hash_or_none(token: str) -> str | None:
    return hash_from_optout_token(token, current_app.config["SECRET_KEY"])


def _bad_link() -> tuple[str, int]:
    return _not_found(_("수신 거부 링크가 올바르지 않습니다. 받은 메시지의 링크를 다시 눌러 주세요."))


def _safe_masked(value: str) -> str:
    """A masked number the /optout form passed along: accepted only in its masked form."""
    return value if len(value) <= 20 and "*" in value and all(c.isdigit() or c in "-*" for c in value) else ""


def _masked_for(hashed: str) -> str:
    """The masked number of the citizen's latest call, so the console list can show 010-****-5678."""
    return db.session.scalar(select(Call.peer_masked).where(Call.peer_hash == hashed, Call.peer_masked != "")
                             .order_by(Call.id.desc()).limit(1)) or ""


def _limited_by(scope: str, client: str, limit: int, window_s: int) -> tuple[str, int, dict] | None:
    allowed, retry_after = ratelimit.hit(db.engine, scope, client, limit=limit, window_s=window_s,
                                         hash_key=current_app.config["PHONE_HASH_KEY"])
    if allowed:
        return None
    return (render_template("public/ratelimited.html", retry_after=retry_after, limit=None), 429,
            {"Retry-After": str(retry_after)})


@bp.route("/optout", methods=["GET", "POST"])
def optout_by_number():
    """The citizen types a number. Opting it out is open to anyone (it only protects) and answers the same
    whatever the number's status was; seeing or undoing an opt-out needs a code sent to the number."""
    error = ""
    if request.method == "POST":
        limited = _limited()
        if limited:
            return limited
        e164 = try_normalize(request.form.get("number", "")[:40])
        if e164 is None or not e164.startswith("+8210"):
            error = _("휴대전화 번호를 010-1234-5678 형식으로 입력해 주세요.")
        elif request.form.get("action") == "code":
            return _send_code(e164)
        else:
            hashed = phone_hash(e164, current_app.config["PHONE_HASH_KEY"])
            opt_out(db.session, hashed, masked=_masked_for(hashed) or mask(e164), source="citizen")
            db.session.commit()
            return render_template("public/optout_done.html")
    return render_template("public/optout_number.html", error=error), (422 if error else 200)


def _send_code(e164: str):
    """Ask for a one-time code by AlimTalk to ``e164``; the page that follows is the same for every number."""
    hashed = phone_hash(e164, current_app.config["PHONE_HASH_KEY"])
    # A number can be sent a few codes an hour, whoever asks: nobody can flood a citizen's phone from here.
    limited = (_limited_by(CODE_SCOPE_NUMBER, hashed, CODES_PER_NUMBER_PER_HOUR, 3600)
               or _limited_by(CODE_SCOPE_CLIENT, request.remote_addr or "-", CODES_PER_CLIENT_PER_HOUR, 3600))
    if limited:
        return limited
    row = optout_codes.request_code(db.session, e164, current_app.config)
    db.session.commit()
    return redirect(url_for("public.optout_code", challenge=row.challenge, m=mask(e164)))


@bp.route("/optout/code/<challenge>", methods=["GET", "POST"])
def optout_code(challenge: str):
    """Type the code; the right one opens the number's opt-out page (as the AlimTalk's link does)."""
    expires_at = optout_codes.code_expires_at(db.session, challenge)
    if expires_at is None:
        return _not_found(_("인증 요청을 찾을 수 없습니다. 수신 거부 화면에서 인증번호를 다시 받아 주세요."))
    masked = _safe_masked(request.values.get("m", ""))
    error, status = "", 200
    if request.method == "POST":
        limited = _limited_by(CODE_SCOPE_TRIES, request.remote_addr or "-", TRIES_PER_CLIENT_PER_MINUTE, 60)
        if limited:
            return limited
        check = optout_codes.check_code(db.session, challenge, request.form.get("code", "")[:20],
                                        current_app.config["SECRET_KEY"])
        db.session.commit()
        if check.status == "ok":
            token = optout_token(check.phone_hash, current_app.config["SECRET_KEY"])
            return redirect(url_for("public.optout", token=token, m=masked or None))
        error = {"wrong": _("인증번호가 맞지 않습니다. %(left)s번 더 입력할 수 있습니다.", left=check.tries_left),
                 "expired": _("인증번호의 유효 시간(5분)이 지났습니다. 인증번호를 다시 받아 주세요."),
                 "locked": _("인증번호를 더 입력할 수 없습니다. 인증번호를 다시 받아 주세요.")}.get(
            check.status, _("인증번호를 다시 받아 주세요."))
        status = 422 if check.status == "wrong" else 410
    return render_template("public/optout_code.html", challenge=challenge, masked=masked, error=error,
                           expires_at=expires_at, tries=optout_codes.CODE_MAX_TRIES), status


@bp.get("/optout/<token>")
def optout(token: str):
    hashed = _hash_or_none(token)
    if hashed is None:
        return _bad_link()
    masked = _masked_for(hashed) or _safe_masked(request.args.get("m", ""))
    return render_template("public/optout.html", token=token, masked=masked,
                           opted_out=is_opted_out(db.session, hashed))


@bp.post("/optout/<token>")
def optout_confirm(token: str):
    hashed = _hash_or_none(token)
    if hashed is None:
        return _bad_link()
    masked = _masked_for(hashed) or _safe_masked(request.form.get("m", ""))
    opt_out(db.session, hashed, masked=masked, source="citizen")
    db.session.commit()
    flash(_("수신 거부가 완료되었습니다. 이제 고양특례시의 전화 안내 화면과 알림톡을 받지 않습니다."), "success")
    return redirect(url_for("public.optout", token=token, m=masked or None))


@bp.post("/optout/<token>/undo")
def optout_undo(token: str):
    hashed = _hash_or_none(token)
    if hashed is None:
        return _bad_link()
    undone = undo_opt_out(db.session, hashed)
    db.session.commit()
    if undone:
        flash(_("수신 거부를 취소했습니다. 고양특례시의 안내를 다시 받습니다."), "success")
    return redirect(url_for("public.optout", token=token, m=_safe_masked(request.form.get("m", "")) or None))


# --- verifying a number ---------------------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
def verify():
    raw = request.form.get("n") if request.method == "POST" else request.args.get("n")
    result = None
    if raw is not None:
        limited = _limited()
        if limited:
            return limited
        result = verify_number(db.session, raw)
    status = 422 if result is not None and result.status in ("invalid", "empty") else 200
    return render_template("public/verify.html", result=result, typed=(raw or "")[:40]), status
