"""The one body of every ``flask <area> import FILE`` command: run the area's importer, commit, print the
same report as the console (added, updated, unchanged, rejected with row and reason)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from extensions import db


def run_import(import_file: Callable[..., Any], file: Path, unreadable: type[Exception]) -> None:
    """``import_file(session, data, filename)`` over ``file``; ``unreadable`` (a file that changes nothing)
    becomes a click error."""
    try:
        report = import_file(db.session, file.read_bytes(), file.name)
    except unreadable as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {exc} (아무것도 바꾸지 않았습니다)") from exc
    db.session.commit()
    click.echo(f"{file.name}: 추가 {report.added}, 수정 {report.updated}, 변경 없음 {report.unchanged}, "
               f"거부 {len(report.rejected)}")
    for rejection in report.rejected:
        click.echo(f"  {rejection.row}행 {rejection.name}: {rejection.reason}")
