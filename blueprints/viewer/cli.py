"""``flask --app app documents ...``: add and revoke documents from the shell."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from blueprints.viewer.common import viewer_config
from core import audit
from core.documents import DocumentError
from core.documents.service import create_document, process_document, revoke, set_shares
from core.models.documents import Document
from core.models.groups import StaffGroup
from core.models.organization import Department
from extensions import db

documents_cli = AppGroup("documents", help="보안 문서 관리 (Manage documents of the secure viewer).")


def _audience(shares: tuple[str, ...]) -> dict:
    """``all``, ``dept:NAME`` and ``group:NAME`` into share arguments."""
    result: dict = {"all_staff": False, "department_ids": [], "group_ids": []}
    for share in shares:
        kind, _, name = share.partition(":")
        if share == "all":
            result["all_staff"] = True
        elif kind == "dept" and name:
            matches = db.session.scalars(select(Department).filter_by(name=name)).all()
            if len(matches) != 1:
                raise click.ClickException(f"부서를 하나로 찾을 수 없습니다: {name} ({len(matches)}개)")
            result["department_ids"].append(matches[0].id)
        elif kind == "group" and name:
            group = db.session.scalar(select(StaffGroup).filter_by(name=name))
            if group is None:
                raise click.ClickException(f"없는 그룹입니다: {name}")
            result["group_ids"].append(group.id)
        else:
            raise click.ClickException(f"공유 대상은 all, dept:부서명, group:그룹명 중 하나입니다: {share}")
    return result


@documents_cli.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="문서 제목")
@click.option("--share", "shares", multiple=True, help="all | dept:NAME | group:NAME (여러 번 쓸 수 있음)")
def add(path: Path, title: str, shares: tuple[str, ...]) -> None:
    """Convert PATH, pre-render its pages and print the new document's id."""
    cfg = viewer_config()
    audience = _audience(shares)
    try:
        document = create_document(db.session, cfg, filename=path.name, data=path.read_bytes(), title=title,
                                   source="cli")
        set_shares(db.session, document, **audience)
        audit.record(db.session, "document.upload", username="cli", target=f"document:{document.id}",
                     title=title, type=document.original_type, size=document.original_size)
        db.session.commit()
        process_document(db.session, cfg, document.id)
    except DocumentError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(document.id)


@documents_cli.command("revoke")
@click.argument("document_id", type=int)
def revoke_command(document_id: int) -> None:
    """Revoke a document: nobody can view it from now on."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise click.ClickException(f"없는 문서입니다: {document_id}")
    revoke(db.session, viewer_config(), document)
    audit.record(db.session, "document.revoke", username="cli", target=f"document:{document.id}")
    db.session.commit()
    click.echo(f"revoked {document.id}")
