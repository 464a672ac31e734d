"""``flask --app app board sync [--board NAME]``: one pass of the board feeds now, with the sync page's figures."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core.board import sync
from core.models.board import BoardFeed
from extensions import db

board_cli = AppGroup("board", help="게시판 연동 (The bulletin board's Saeol and RSS feeds).")


@board_cli.command("sync")
@click.option("--board", "name", default="", help="이 이름의 피드만 (기본: 켜져 있는 모든 피드)")
def sync_command(name: str) -> None:
    """Sync the feeds now, whatever their schedule, and print added/updated/deleted/rejected, lag and errors."""
    settings = current_app.config
    if sync.ensure_default_feed(db.session, settings) is not None:
        click.echo(f"기본 피드를 만들었습니다: {sync.DEFAULT_FEED_NAME} ({settings['SAEOL_FEED_URL']})")
    db.session.commit()
    query = select(BoardFeed.id).order_by(BoardFeed.id)
    query = query.where(BoardFeed.name == name) if name else query.where(BoardFeed.enabled.is_(True))
    feed_ids = list(db.session.scalars(query))
    if not feed_ids:
        raise click.ClickException(f"없는 피드입니다: {name}" if name else "동기화할 피드가 없습니다.")
    with sync.build_client(settings) as client:
        reports = [sync.sync_feed(db.session, feed_id, settings, client) for feed_id in feed_ids]
    for line in sync.report_lines(reports):
        click.echo(line)
    if not all(r.ok for r in reports):
        raise SystemExit(1)
