"""Console: the board's feeds (admins). List and sync figures, create, edit, turn off; "지금 동기화" queues a
pass for the worker (nothing is fetched inside the request). Also registers ``flask board``."""
from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from blueprints.board import bp
from core import audit
from core.board.feeds import FeedConfigError, request_sync, save_feed
from core.board.sync import lag_seconds
from core.models.board import BoardFeed
from extensions import db
from web.client import client_info
from web.i18n import translated
from web.sessions import roles_required


class FeedForm(FlaskForm):
    name = StringField(_l("이름"))
    kind = SelectField(_l("종류"), choices=[SelectChoice("json", _l("JSON (새올 피드)")),
                                            SelectChoice("rss", "RSS 2.0")])
    url = StringField(_l("주소"))
    push_important = BooleanField(_l("중요 게시글이 올라오면 알림 보내기"), default=True)
    enabled = BooleanField(_l("사용"), default=True)


class SyncForm(FlaskForm):
    """Only the CSRF token."""


def init_app(app: Flask) -> None:
    from blueprints.board.cli import board_cli
    from web.console import register_console_link

    register_console_link("board.console_feeds", _l("게시판 연동"), role="admin", order=46)
    app.cli.add_command(board_cli)


def _feed(feed_id: int) -> BoardFeed:
    feed = db.session.get(BoardFeed, feed_id)
    if feed is None:
        abort(404)
    return feed


def _lag_text(feed: BoardFeed) -> str:
    seconds = lag_seconds(feed)
    if seconds is None:
        return _("아직 성공한 적 없음")
    if seconds < 120:
        return _("%(n)d초", n=seconds)
    if seconds < 7200:
        return _("%(n)d분", n=seconds // 60)
    return _("%(n)d시간", n=seconds // 3600)


def _render_form(form: FeedForm, feed: BoardFeed | None, error: str = "", status: int = 200):
    return render_template("board/console/feeds_form.html", form=form, feed=feed, error=error,
                           sync_form=SyncForm(), lag=_lag_text(feed) if feed else ""), status


@bp.get("/admin/board/feeds")
@roles_required("admin")
def console_feeds():
    feeds = db.session.scalars(select(BoardFeed).order_by(BoardFeed.name)).all()
    return render_template("board/console/feeds.html", feeds=feeds, lags={f.id: _lag_text(f) for f in feeds},
                           sync_form=SyncForm())


def _save(form: FeedForm, feed: BoardFeed | None):
    if not form.validate_on_submit():
        return _render_form(form, feed, _("입력한 내용을 확인해 주세요."), 400)
    try:
        saved = save_feed(db.session, feed, name=form.name.data or "", kind=form.kind.data or "",
                          url=form.url.data or "", push_important=bool(form.push_important.data),
                          enabled=bool(form.enabled.data))
        audit.record(db.session, "board.feed.save", user=current_user, target=f"board_feed:{saved.id}",
                     name=saved.name, kind=saved.kind, url=saved.url, enabled=saved.enabled, **client_info())
        db.session.commit()
    except FeedConfigError as exc:
        db.session.rollback()
        return _render_form(form, feed and _feed(feed.id), translated(exc.detail), 400)
    flash(_("피드를 저장했습니다."), "success")
    return redirect(url_for("board.console_feed", feed_id=saved.id))


@bp.route("/admin/board/feeds/new", methods=["GET", "POST"])
@roles_required("admin")
def console_feed_new():
    form = FeedForm()
    return _render_form(form, None) if request.method == "GET" else _save(form, None)


@bp.route("/admin/board/feeds/<id:feed_id>", methods=["GET", "POST"])
@roles_required("admin")
def console_feed(feed_id: int):
    feed = _feed(feed_id)
    if request.method == "GET":
        form = FeedForm(data={"name": feed.name, "kind": feed.kind, "url": feed.url,
                              "push_important": feed.push_important, "enabled": feed.enabled})
        return _render_form(form, feed)
    return _save(FeedForm(), feed)


@bp.post("/admin/board/feeds/<id:feed_id>/sync")
@roles_required("admin")
def console_feed_sync(feed_id: int):
    feed = _feed(feed_id)       # the CSRF token was checked by CSRFProtect before this view
    if not feed.enabled:
        flash(_("꺼져 있는 피드는 동기화하지 않습니다."), "error")
    elif request_sync(db.session, feed):
        audit.record(db.session, "board.feed.sync", user=current_user, target=f"board_feed:{feed.id}",
                     **client_info())
        db.session.commit()
        flash(_("동기화를 요청했습니다. 잠시 뒤 새로 고치면 결과가 보입니다."), "success")
    else:
        flash(_("이미 동기화를 기다리고 있습니다."), "info")
    if request.form.get("back") == "list":
        return redirect(url_for("board.console_feeds"))
    return redirect(url_for("board.console_feed", feed_id=feed.id))
