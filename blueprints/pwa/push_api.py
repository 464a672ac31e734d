"""The push API of the PWA: the server's public key, a person's subscriptions, and the service worker's
reports of notifications shown and clicked, and answers given from a notification's buttons.

Subscribing is a cookie-authenticated change, so it keeps CSRF (``static/js/push.js`` sends the page's
token as ``X-CSRFToken``; a Bearer token works too). The reports come from the service worker, which has
neither: the receipt in each push (an HMAC of the delivery) authenticates them, and they are rate-limited.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from blueprints.pwa import bp
from core import ratelimit
from core.i18n import MessageError
from core.models.push import PushSubscription
from core.push import actions, events, subscriptions
from core.push.sender import read_receipt
from core.push.vapid import Vapid, VapidError, check_subject
from extensions import db
from web.client import client_info
from web.i18n import translated
from web.security import csrf_exempt, error_response

EVENTS_SCOPE, EVENTS_PER_MINUTE = "push.events", 120    # per address: a phone reports two events a push
BODY_MAX = 4096

MESSAGES = {
    "invalid_json": _l("구독 정보를 JSON 객체로 보내 주세요."),
    "missing_endpoint": _l("endpoint(푸시 서비스 주소)가 필요합니다."),
    "invalid_endpoint": _l("endpoint가 올바른 URL이 아닙니다."),
    "insecure_endpoint": _l("endpoint는 https 주소여야 합니다."),
    "unknown_push_service": _l("알려진 푸시 서비스(FCM, Mozilla, Apple, Microsoft)의 주소만 등록할 수 있습니다."),
    "invalid_keys": _l("keys.p256dh(P-256 공개키 65바이트)와 keys.auth(16바이트)를 base64url로 보내 주세요."),
}


def vapid() -> Vapid:
    """The app's signer (its key made or read once per process)."""
    signer = current_app.extensions.get("push_vapid")
    if signer is None:
        signer = current_app.extensions["push_vapid"] = Vapid.from_settings(current_app.config)
    return signer


def _json_body() -> object:
    if (request.content_length or 0) > BODY_MAX:
        return None
    return request.get_json(silent=True)


@bp.get("/api/push/key")
@login_required
def push_key():
    try:
        key = vapid().public_key
    except VapidError:
        current_app.logger.exception("VAPID is not configured")
        return error_response(503, _("푸시 알림이 설정되지 않았습니다."), code="push_unavailable")
    response = jsonify({"publicKey": key})
    response.headers["Cache-Control"] = "private, no-cache"     # the ETag makes each launch's check cheap
    response.add_etag()
    return response.make_conditional(request)


@bp.post("/api/push/subscriptions")
@login_required
def push_subscribe():
    extras = subscriptions.extra_hosts(current_app.config.get("PUSH_EXTRA_HOSTS"))
    try:
        parsed = subscriptions.parse(_json_body(), extras)
    except subscriptions.SubscriptionError as exc:
        return error_response(400, str(MESSAGES.get(exc.code, exc)), code=exc.code)
    existed = db.session.scalar(db.select(PushSubscription.id)
                                .where(PushSubscription.endpoint == parsed.endpoint)) is not None
    row = subscriptions.subscribe(db.session, current_user.id, parsed, request.user_agent.string)
    db.session.commit()
    count = len(subscriptions.devices(db.session, current_user.id))
    return jsonify({"id": row.id, "devices": count, "created": not existed}), (200 if existed else 201)


@bp.delete("/api/push/subscriptions")
@login_required
def push_unsubscribe():
    body = _json_body()
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    try:
        removed = subscriptions.unsubscribe(db.session, current_user.id, endpoint)
    except subscriptions.SubscriptionError as exc:
        return error_response(400, str(MESSAGES.get(exc.code, exc)), code=exc.code)
    db.session.commit()
    return jsonify({"removed": removed})


def _limited():
    """The reports' rate limit per address (a phone sends two or three a push), or None when within it."""
    allowed, wait = ratelimit.hit(db.engine, EVENTS_SCOPE, request.remote_addr or "-", limit=EVENTS_PER_MINUTE,
                                  window_s=60, hash_key=current_app.config["PHONE_HASH_KEY"])
    if allowed:
        return None
    response, status = error_response(429)
    response.headers["Retry-After"] = str(wait)
    return response, status


@bp.post("/api/push/events")
def push_events():
    if limited := _limited():
        return limited
    body = _json_body()
    if not isinstance(body, dict):
        return error_response(400, _("receipt와 event를 JSON 객체로 보내 주세요."), code="invalid_json")
    event = body.get("event")
    if not isinstance(event, str) or event not in events.EVENTS:
        return error_response(400, _("event는 shown 또는 clicked여야 합니다."), code="invalid_event")
    delivery_id = read_receipt(body.get("receipt"), current_app.config["SECRET_KEY"])
    if delivery_id is None:
        return error_response(400, _("알림 영수증이 올바르지 않습니다."), code="invalid_receipt")
    counted = events.record_event(db.session, delivery_id, event)
    db.session.commit()
    return jsonify({"counted": counted})


@bp.post("/api/push/action")
def push_action():
    """A button (or a tap) on a notification: ``{"receipt", "action"}`` → ``{"title", "message"}`` for the
    notification that confirms it, or a JSON error that the service worker answers by opening the page."""
    if limited := _limited():
        return limited
    body = _json_body()
    if not isinstance(body, dict):
        return error_response(400, _("receipt와 action을 JSON 객체로 보내 주세요."), code="invalid_json")
    action = body.get("action")
    if not isinstance(action, str) or not 0 < len(action) <= actions.ACTION_NAME_MAX:
        return error_response(400, _("action이 올바르지 않습니다."), code="invalid_action")
    delivery_id = read_receipt(body.get("receipt"), current_app.config["SECRET_KEY"])
    if delivery_id is None:
        return error_response(400, _("알림 영수증이 올바르지 않습니다."), code="invalid_receipt")
    try:
        done = actions.perform(db.session, delivery_id, action, ip=client_info()["ip"])
    except MessageError as exc:
        db.session.rollback()
        return error_response(409, translated(exc.detail), code="action_refused")
    events.record_event(db.session, delivery_id, "clicked")
    db.session.commit()
    return jsonify({"title": _("응답을 보냈습니다"), "message": translated(done.detail)})


csrf_exempt("pwa.push_events")
csrf_exempt("pwa.push_action")


@bp.record_once
def _check_vapid(state) -> None:
    """A subject that Apple would refuse, or production without its key, stops the app at start, said plainly."""
    config = state.app.config
    check_subject(str(config.get("VAPID_SUBJECT", "")))
    if config.get("APP_ENV") == "production" and not config.get("VAPID_PRIVATE_KEY"):
        raise VapidError("VAPID_PRIVATE_KEY is required in production (PEM or base64url)")
