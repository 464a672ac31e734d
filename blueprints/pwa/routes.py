import gzip
import hashlib
import threading
from collections import OrderedDict

import brotli
from flask import Response, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.pwa import bp, shell
from blueprints.pwa.forms import OfflineSettingsForm
from core import app_settings, audit, offline_snapshot
from core.allocator import give_back_memory
from core.timeutil import utcnow
from extensions import db
from web import static_files
from web.client import client_info
from web.sessions import roles_required

# Pages the worker tries to keep for offline use; they need a signed-in user.
SHELL_PAGES = ("/", "/directory", "/more")
# Below this size gzip costs more than it saves.
GZIP_MIN_BYTES = 1024


@bp.get("/manifest.webmanifest")
def manifest():
    """In the reader's language: pages link it with credentials, so the user's choice applies (web.i18n)."""
    def icon(name: str, size: int, purpose: str) -> dict:
        return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
                "type": "image/png", "purpose": purpose}

    body = {
        "id": "/",
        "name": _("고양 스마트행정"),
        "short_name": _("스마트행정"),
        "description": _("고양특례시 직원용 모바일 스마트행정 포털: 게시판, 연락처 검색, 근무표"),
        "lang": str(get_locale() or "ko"),
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": "#0b5cad",
        "background_color": "#f5f7fa",
        "categories": ["productivity", "government"],
        "icons": [icon("icon-192.png", 192, "any"), icon("icon-512.png", 512, "any"),
                  icon("icon-maskable-192.png", 192, "maskable"), icon("icon-maskable-512.png", 512, "maskable")],
        "shortcuts": [{"name": _("연락처 검색"), "short_name": _("연락처"), "url": "/directory",
                       "icons": [icon("icon-192.png", 192, "any")]}],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sw.js")
def service_worker():
    static_build = static_files.current(current_app)
    script = render_template("pwa/sw.js", build=shell.build_id(current_app.config["VERSION"], static_build),
                             shell_pages=SHELL_PAGES,
                             static_urls=[url_for("static", filename=name) for name in shell.shell_files(static_build)],
                             offline_url=url_for("pwa.offline"),
                             snapshot_url=url_for("pwa.directory_snapshot")).encode()
    # Browsers must always ask for the worker again, or a deploy would go unnoticed.
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/", "Vary": "Accept-Encoding"}
    etag = hashlib.sha256(script).hexdigest()[:20]
    if request.accept_encodings["gzip"]:
        # The script holds nothing secret, so compressing it is safe; mtime=0 keeps the bytes stable.
        script, etag = gzip.compress(script, compresslevel=9, mtime=0), etag + "-gz"
        headers["Content-Encoding"] = "gzip"
    if etag in request.if_none_match:
        return Response(status=304, headers={**headers, "ETag": f'"{etag}"'})
    return Response(script, mimetype="application/javascript", headers={**headers, "ETag": f'"{etag}"'})


@bp.get("/offline")
def offline():
    """In the reader's language; the worker keeps the copy for the language in use (templates/pwa/sw.js)."""
    response = make_response(render_template("pwa/offline.html"))
    response.vary.update(("Cookie", "Accept-Language"))
    return response


# The last full body served, gzipped and in Brotli, keyed by ETag: compressing 1.7 MB (16 MB at 50,000 entries)
# for every phone that syncs would cost more than building the snapshot. The plain body, for the rare client that
# takes neither, is made when asked: keeping it would hold the whole JSON in every process. One entry per process.
_bodies: dict[str, dict[str, bytes]] = {}
# Brotli 7 makes the demo's 1.7 MB copy 152 KB in 0.05 s, as long as gzip 6 takes for 210 KB (quality 9: 148 KB
# in 0.3 s); Chromium asks for br on https and on localhost.
BROTLI_QUALITY = 7


def _encoded(plain: bytes) -> dict[str, bytes]:
    if len(plain) < GZIP_MIN_BYTES:
        return {"identity": plain}
    return {"identity": plain, "gzip": gzip.compress(plain, compresslevel=6),
            "br": brotli.compress(plain, quality=BROTLI_QUALITY)}


def _bodies_for(snapshot: offline_snapshot.Snapshot) -> dict[str, bytes]:
    cached = _bodies.get(snapshot.etag)
    if cached is None:
        _bodies.clear()
        encoded = _encoded(snapshot.to_json(utcnow()))
        cached = _bodies[snapshot.etag] = {coding: body for coding, body in encoded.items() if coding != "identity"}
        del encoded
        give_back_memory()   # the plain body and the compressors' buffers: 50 MB at 50,000 entries
    return cached


# Deltas answered, by (version, since): after an edit every phone that held the previous version asks for the same
# delta, computed once per process. Deltas over DELTA_KEPT_BYTES (a mass update) are made for each request.
_deltas: OrderedDict[tuple[str, str], dict[str, bytes]] = OrderedDict()
_deltas_lock = threading.Lock()
DELTAS_KEPT = 16
DELTA_KEPT_BYTES = 1024 * 1024


def _delta_bodies(snapshot: offline_snapshot.Snapshot, since: str) -> dict[str, bytes] | None:
    """The encoded delta from version ``since`` to ``snapshot``, or None when the full copy must go."""
    key = (snapshot.etag, since)
    with _deltas_lock:
        if key in _deltas:
            _deltas.move_to_end(key)
            return _deltas[key]
    folder = offline_snapshot.folder_for(current_app.config["INSTANCE_PATH"])
    delta = offline_snapshot.delta_since(snapshot, since, folder)
    if delta is None:
        return None   # not kept: a version's manifest may be written yet (another process serves it first)
    bodies = _encoded(snapshot.delta_json(delta, utcnow()))
    if len(bodies["identity"]) <= DELTA_KEPT_BYTES:
        with _deltas_lock:
            _deltas[key] = bodies
            while len(_deltas) > DELTAS_KEPT:
                _deltas.popitem(last=False)
    return bodies


@bp.get("/api/directory/snapshot")
@login_required
def directory_snapshot():
    """The full copy, or with ``?since=<version>`` what changed since that version (core.offline_snapshot).

    The ETag is the current version either way: a 304 says the copy the client holds is current, and a
    stored answer for a ``since`` URL is still right as long as the version has not moved.
    """
    snapshot = offline_snapshot.current(db.session)
    folder = offline_snapshot.folder_for(current_app.config["INSTANCE_PATH"])
    offline_snapshot.remember(snapshot, folder)
    headers = {"ETag": f'"{snapshot.etag}"', "Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    if snapshot.etag in request.if_none_match:
        return Response(status=304, headers=headers)
    since = request.args.get("since", "")
    bodies = (_delta_bodies(snapshot, since) if since else None) or _bodies_for(snapshot)
    for coding in ("br", "gzip"):
        if coding in bodies and request.accept_encodings[coding]:
            headers["Content-Encoding"] = coding
            return Response(bodies[coding], mimetype="application/json", headers=headers)
    body = bodies.get("identity") or snapshot.to_json(utcnow())
    return Response(body, mimetype="application/json", headers=headers)


@bp.route("/admin/offline-directory", methods=["GET", "POST"])
@roles_required("admin")
def offline_settings():
    current = bool(app_settings.get(db.session, app_settings.OFFLINE_INCLUDE_MOBILE))
    form = OfflineSettingsForm(data={"include_mobile": current})
    if form.validate_on_submit():
        wanted = bool(form.include_mobile.data)
        if wanted != current:
            app_settings.set(db.session, app_settings.OFFLINE_INCLUDE_MOBILE, wanted)
            audit.record(db.session, "setting_changed", user=current_user,
                         target=app_settings.OFFLINE_INCLUDE_MOBILE, **client_info(),
                         old=current, new=wanted)
            db.session.commit()
        flash(_("설정을 저장했습니다. 직원 휴대전화의 오프라인 사본은 다음 동기화 때 바뀝니다."), "success")
        return redirect(url_for("pwa.offline_settings"))
    return render_template("pwa/offline_settings.html", form=form, include_mobile=current), \
        400 if request.method == "POST" else 200
