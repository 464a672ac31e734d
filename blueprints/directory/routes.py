"""Directory pages: search as you type, detail, favourites, recents, voice and the console import."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.directory import bp
from blueprints.directory.forms import ImportForm, VoiceForm
from core.directory import personal
from core.directory.importer import ImportFileError, read_rows
from core.directory.index import get_index
from core.directory.search import MAX_QUERY, search_page
from core.directory.voice import match
from core.pagination import parse_offset
from extensions import db
from web import tasks
from web.i18n import translated
from web.read_only import reads_only
from web.sessions import roles_required

# A phone shows about six results; 20 keep a keystroke's answer small (about 19 KB, not 28) and quick to
# render, and 더 보기 brings the next 20.
PAGE_RESULTS = 20


def _partial_wanted() -> bool:
    """An htmx swap of the results only; boosted navigation and history restores need the page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def _home_lists() -> dict:
    return {"favourites": personal.favourites(db.session, current_user.id),
            "recents": personal.recents(db.session, current_user.id)}


@bp.get("/directory")
@reads_only
@login_required
def index():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    offset = parse_offset(request.args.get("offset")) or 0  # a mangled offset starts from the top
    found = search_page(get_index(db.session), q, offset, PAGE_RESULTS) if q else None
    if q:
        context = {"q": q, "found": found, "favourite_ids": personal.favourite_ids(db.session, current_user.id)}
    else:   # the favourites listed are the ids to mark: one query, not two
        context = {"q": q, "found": None, **_home_lists()}
        context["favourite_ids"] = {entry.id for entry in context["favourites"]}
    if _partial_wanted():
        # "더 보기" swaps its own row for the next rows; a new query replaces the whole list.
        template = "directory/_result_rows.html" if offset and found else "directory/_results.html"
        return render_template(template, **context)
    return render_template("directory/index.html", voice_form=VoiceForm(), **context)


@bp.post("/directory/voice")
@login_required
def voice():
    form = VoiceForm()
    answer, status = None, 200
    if form.validate_on_submit():
        answer = match(get_index(db.session), form.transcript.data)
    else:
        status = 400
    context = {"voice_form": form, "answer": answer,
               "favourite_ids": personal.favourite_ids(db.session, current_user.id)}
    if _partial_wanted():
        return render_template("directory/_voice_result.html", **context), status
    return render_template("directory/index.html", q="", found=None, **_home_lists(), **context), status


@bp.get("/directory/<id:person_id>")
@login_required
def detail(person_id: int):
    entry = get_index(db.session).by_id.get(person_id) or abort(404)
    personal.record_recent(db.session, current_user.id, person_id, "view")
    db.session.commit()
    return render_template("directory/detail.html", person=entry,
                           favourite=person_id in personal.favourite_ids(db.session, current_user.id))


@bp.post("/directory/<id:person_id>/favourite")
@login_required
def toggle_favourite(person_id: int):
    entry = get_index(db.session).by_id.get(person_id) or abort(404)
    state = personal.toggle_favourite(db.session, current_user.id, person_id)
    db.session.commit()
    if request.htmx:
        return render_template("directory/_favourite_button.html", person=entry, favourite=state)
    flash(_("즐겨찾기에 추가했습니다.") if state else _("즐겨찾기에서 뺐습니다."), "success")
    return redirect(url_for("directory.detail", person_id=person_id))


@bp.post("/directory/<id:person_id>/recent")
@login_required
def record_recent(person_id: int):
    """Called by directory.js when a tel:/sms: link is tapped (the page itself cannot know)."""
    action = request.form.get("action", "call")
    if action not in personal.RECENT_ACTIONS:
        abort(400)
    try:
        personal.record_recent(db.session, current_user.id, person_id, action)
    except LookupError:
        abort(404)
    db.session.commit()
    return "", 204


@bp.route("/admin/directory/import", methods=["GET", "POST"])
@roles_required("admin")
def import_page():
    form = ImportForm()
    task, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "upload"
        data = upload.read()
        try:
            # Checked up to its header before queueing (a bad file changes nothing); the worker reads the rest,
            # within IMPORT_MAX_ROWS and the other limits of core.spreadsheet.
            read_rows(data, filename, current_app.config, header_only=True)
        except ImportFileError as exc:
            form.file.errors.append(translated(exc.detail))
            status = 400
        else:
            task = tasks.submit_import("directory_import", "directory.import", filename, data)
            if request.htmx:
                return render_template("admin/_task_progress.html", task=task)
    elif request.method == "POST":
        status = 400
    if status == 400 and request.htmx:
        return render_template("directory/_import_errors.html", form=form), 400
    return render_template("directory/import.html", form=form, task=task,
                           recent_tasks=tasks.recent("directory_import")), status
