"""Posts written in the console: create, edit and delete, with their audience, importance, display window and
attachments (which go into the secure viewer's pipeline, readable by the post's audience only).

Every change is audited by the caller's commit; an important post pushes (``core.push.send``) once, when it is
published and its window has begun. Nothing here imports Flask: the console parses the form into
:class:`PostInput` and shows :class:`BoardError`'s Korean message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from core import audit, jobs, push, tasks
from core.audience import Audience
from core.board import html
from core.documents import DocumentError
from core.documents.service import ViewerConfig, create_document, set_shares
from core.i18n import N_, MessageError
from core.jobs.registry import Env, registry
from core.models.accounts import User
from core.models.board import BoardAttachment, BoardPost, BoardPostAudience
from core.models.documents import Document
from core.timeutil import KST, as_utc, utcnow

DEFAULT_BOARD = "공지사항"
MAX_TITLE = 300
MAX_BOARD = 64
MAX_FILES = 10                 # attachments added in one save
SCHEDULED_PUSH_KIND = "board.console_push"
YEARS = (2000, 2100)           # a display window outside these is a typo


class BoardError(MessageError):
    """A console post that cannot be saved, with a message for the person writing it."""


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class PostInput:
    title: str
    body: str                                  # the editor's HTML, not yet sanitised
    audience: Audience
    board: str = DEFAULT_BOARD
    important: bool = False
    display_from: datetime | None = None       # UTC
    display_until: datetime | None = None      # UTC
    uploads: list[Upload] = field(default_factory=list)
    remove_attachments: set[int] = field(default_factory=set)


def parse_kst(value: str | None) -> datetime | None:
    """A ``datetime-local`` value (``2026-12-02T10:15``, Korean time) as UTC; blank is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BoardError(N_("날짜와 시각을 ‘2026-12-02 10:15’ 형식으로 입력해 주세요.")) from None
    if moment.tzinfo is not None or not YEARS[0] <= moment.year < YEARS[1]:
        raise BoardError(N_("날짜와 시각을 ‘2026-12-02 10:15’ 형식으로 입력해 주세요."))
    return moment.replace(tzinfo=KST).astimezone(UTC)


def _clean(data: PostInput) -> tuple[str, str, str]:
    title = " ".join((data.title or "").split())
    board = " ".join((data.board or "").split()) or DEFAULT_BOARD
    if not title:
        raise BoardError(N_("제목을 입력해 주세요."))
    if len(title) > MAX_TITLE:
        raise BoardError(N_("제목은 %(max)s자 이하로 입력해 주세요."), max=MAX_TITLE)
    if len(board) > MAX_BOARD:
        raise BoardError(N_("게시판 이름은 %(max)s자 이하로 입력해 주세요."), max=MAX_BOARD)
    if len(data.body or "") > html.MAX_BODY_CHARS:
        raise BoardError(N_("본문이 너무 깁니다 (최대 %(max)s자)."), max=html.MAX_BODY_CHARS)
    body = html.sanitize(data.body or "")
    if not html.to_text(body) and "<img" not in body:
        raise BoardError(N_("본문을 입력해 주세요."))
    if data.audience.empty:
        raise BoardError(N_("게시 대상을 하나 이상 골라 주세요 (전체 직원, 부서 또는 그룹)."))
    if data.audience.users:
        raise BoardError(N_("게시 대상은 전체 직원, 부서, 그룹 가운데서 골라 주세요."))
    if data.display_from and data.display_until and data.display_until <= data.display_from:
        raise BoardError(N_("게시 종료 시각은 시작 시각보다 뒤여야 합니다."))
    if len(data.uploads) > MAX_FILES:
        raise BoardError(N_("첨부 파일은 한 번에 %(max)s개까지 올릴 수 있습니다."), max=MAX_FILES)
    return title, board, body


def managed(user: User) -> Select:
    """The console posts ``user`` may edit: every one for an admin, their department's for a dept_admin."""
    stmt = select(BoardPost).where(BoardPost.feed_id.is_(None)).order_by(BoardPost.posted_at.desc(),
                                                                          BoardPost.id.desc())
    if user.has_role("admin"):
        return stmt
    return stmt.where(BoardPost.department_id == user.department_id) if user.department_id else stmt.where(false())


def can_manage(user: User, post: BoardPost) -> bool:
    if post.feed_id is not None or not user.has_role("dept_admin"):
        return False
    return user.has_role("admin") or (user.department_id is not None and post.department_id == user.department_id)


def _set_audience(session: Session, post: BoardPost, audience: Audience) -> None:
    post.audience_rows.clear()
    session.flush()
    for scope, member in audience.rows():
        post.audience_rows.append(BoardPostAudience.build(scope, member))


def _share_documents(session: Session, post: BoardPost, audience: Audience) -> None:
    """The attachments are readable by exactly the post's audience (the viewer checks ``DocumentShare``)."""
    for attachment in post.attachments:
        if attachment.document is not None:
            set_shares(session, attachment.document, all_staff=audience.all_staff,
                       department_ids=audience.departments, group_ids=audience.groups)


def _attach(session: Session, cfg: ViewerConfig, post: BoardPost, author: User, uploads: list[Upload]) -> list[int]:
    """Store each upload as a viewer document and queue its conversion; returns the task ids."""
    task_ids = []
    for upload in uploads:
        try:
            document = create_document(session, cfg, filename=upload.filename, data=upload.data,
                                       title=(upload.filename or "")[:200] or "attachment", owner=author,
                                       source="board")
        except DocumentError as exc:
            raise BoardError(N_("첨부 파일 ‘%(name)s’을(를) 올릴 수 없습니다: %(reason)s"),
                             name=upload.filename[:100], reason=exc.detail) from None
        post.attachments.append(BoardAttachment(filename=document.original_name or "attachment",
                                                content_type=document.original_type, size=document.original_size,
                                                state="ready", document_id=document.id))
        session.flush()
        run = tasks.submit(session, "document_convert", label=document.title, user_id=author.id,
                           payload={"document_id": document.id})
        task_ids.append(run.id)
    return task_ids


def _push_if_due(session: Session, post: BoardPost, by: int | None, now: datetime) -> None:
    """An important post notifies its audience once, when readers can first see it: at once when its window
    has begun, else from a job due when it begins (:func:`scheduled_push`)."""
    if not post.important or post.pushed_at is not None:
        return
    if post.display_until is not None and as_utc(post.display_until) <= now:
        return
    if post.display_from is not None and as_utc(post.display_from) > now:
        jobs.enqueue(session, SCHEDULED_PUSH_KIND, {"post_id": post.id}, run_at=as_utc(post.display_from))
        return
    message = push.send(session, audience=Audience.from_rows(post.audience_rows), title=post.title,
                        body=html.to_text(post.body_html)[:push.BODY_MAX], url=f"/board/{post.id}",
                        urgency="normal", topic=f"board-{post.id}", source="board", source_id=post.id,
                        created_by=by)
    post.pushed_at, post.push_message_id = now, message.id


@registry.handler(SCHEDULED_PUSH_KIND)
def scheduled_push(env: Env, payload: dict) -> None:
    """The push of an important post whose window began after it was written. An edit that moved the window
    later queued another job, so one that finds the window not yet begun only does nothing."""
    with env.factory() as session:
        post = session.get(BoardPost, int(payload["post_id"]), with_for_update=True)
        now = utcnow()
        if post is None or post.feed_id is not None:
            return
        if post.display_from is not None and as_utc(post.display_from) > now:
            return
        _push_if_due(session, post, post.created_by, now)
        session.commit()


def create_post(session: Session, cfg: ViewerConfig, author: User, data: PostInput,
                client: dict | None = None) -> BoardPost:
    """A new console post (flushed, not committed). Raises :class:`BoardError`."""
    title, board, body = _clean(data)
    now = utcnow()
    post = BoardPost(feed_id=None, external_id=None, board=board, title=title, body_html=body,
                     body_text=html.to_text(body), author=author.display_name or author.username,
                     department_id=author.department_id,
                     department_name=author.department.name if author.department else "",
                     important=bool(data.important), posted_at=now, updated_at=now,
                     content_hash=html.content_hash(title, board, body, bool(data.important)),
                     display_from=data.display_from, display_until=data.display_until, created_by=author.id)
    session.add(post)
    session.flush()
    _set_audience(session, post, data.audience)
    _attach(session, cfg, post, author, data.uploads)
    _share_documents(session, post, data.audience)
    _push_if_due(session, post, author.id, now)
    audit.record(session, "board.post.create", user=author, target=f"board_post:{post.id}", title=title,
                 board=board, important=post.important, audience=data.audience.to_json(),
                 attachments=len(post.attachments), **(client or {}))
    return post


def update_post(session: Session, cfg: ViewerConfig, post: BoardPost, editor: User, data: PostInput,
                client: dict | None = None) -> BoardPost:
    """Save an edit of a console post. Raises :class:`BoardError`."""
    title, board, body = _clean(data)
    now = utcnow()
    for attachment in [a for a in post.attachments if a.id in data.remove_attachments]:
        if attachment.document is not None:
            # A removed attachment must not stay readable through its document.
            set_shares(session, attachment.document)
        post.attachments.remove(attachment)
    post.title, post.board, post.body_html, post.body_text = title, board, body, html.to_text(body)
    post.important = bool(data.important)
    post.display_from, post.display_until = data.display_from, data.display_until
    post.content_hash = html.content_hash(title, board, body, post.important)
    post.updated_at = now
    _set_audience(session, post, data.audience)
    _attach(session, cfg, post, editor, data.uploads)
    _share_documents(session, post, data.audience)
    _push_if_due(session, post, editor.id, now)
    audit.record(session, "board.post.update", user=editor, target=f"board_post:{post.id}", title=title,
                 board=board, important=post.important, audience=data.audience.to_json(),
                 removed_attachments=sorted(data.remove_attachments), added_attachments=len(data.uploads),
                 **(client or {}))
    return post


def delete_post(session: Session, post: BoardPost, by: User, client: dict | None = None) -> None:
    """Delete a console post; its attachments' documents lose every reader (the viewer answers 404)."""
    for attachment in post.attachments:
        if attachment.document is not None:
            set_shares(session, attachment.document)
    audit.record(session, "board.post.delete", user=by, target=f"board_post:{post.id}", title=post.title,
                 **(client or {}))
    session.delete(post)
    session.flush()


def attachment_status(attachment: BoardAttachment) -> str:
    """``ready`` (opens in the viewer), ``pending`` (being fetched or converted) or ``failed``. The row's own
    state says whether the file was stored (``core.board.attachments``); the document's, whether it converted."""
    document: Document | None = attachment.document
    if attachment.state in ("refused", "failed"):
        return "failed"
    if document is None:
        return "pending"
    if document.status == "ready":
        return "ready"
    return "pending" if document.status == "converting" else "failed"
