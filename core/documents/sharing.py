"""Who may read and who may manage a document."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from core.audience import reach_condition
from core.models.accounts import User
from core.models.documents import Document, DocumentShare


def _shared_with(user: User) -> ColumnElement[bool]:
    """SQL condition: a share of the document reaches ``user`` (the one audience rule, ``core.audience``)."""
    return reach_condition(DocumentShare, DocumentShare.document_id, Document.id, user)


def shared_documents(user: User) -> Select:
    """Ready documents shared with ``user``, newest first (the "문서함")."""
    return (select(Document).where(Document.status == "ready", _shared_with(user))
            .order_by(Document.created_at.desc(), Document.id.desc()))


def can_manage(user: User, document: Document) -> bool:
    """Admins manage every document; department admins those of their department or their own."""
    if user.has_role("admin"):
        return True
    return user.has_role("dept_admin") and (
        document.owner_id == user.id
        or (document.department_id is not None and document.department_id == user.department_id))


def is_audience(session: Session, user: User, document: Document) -> bool:
    """Whether a share of ``document`` reaches ``user`` (whatever the document's status)."""
    return bool(session.scalar(select(Document.id).where(Document.id == document.id, _shared_with(user))))


def managed_documents(user: User) -> Select:
    query = select(Document).order_by(Document.created_at.desc(), Document.id.desc())
    if user.has_role("admin"):
        return query
    mine = Document.owner_id == user.id
    if user.department_id is not None:
        mine = or_(mine, Document.department_id == user.department_id)
    return query.where(mine)
