"""Board attachments: downloaded from Saeol's file host only, within a size limit, then handed to the secure
viewer's pipeline (``core.documents.service``: stored, converted by the ``document_convert`` task, shown only
as watermarked pages) with the post's audience as the document's audience.

The host rule is why: a feed item names any URL it likes, and the server must never fetch an arbitrary one
(SSRF). Only ``SAEOL_FILES_URL``'s scheme, host and port are fetched, redirects are not followed, and a refused
URL is logged. The size limit (``BOARD_ATTACHMENT_MAX_BYTES``) is checked on the declared size, on the
``Content-Length`` and while streaming, so an answer that lies is cut off at the limit.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from core import jobs, tasks
from core.audience import Audience
from core.board.feed import AttachmentItem, read_capped
from core.documents import DocumentError
from core.documents.service import ViewerConfig, create_document, set_shares, storage_key
from core.models.board import BoardAttachment, BoardPost
from core.models.documents import Document
from core.timeutil import utcnow

log = logging.getLogger(__name__)
JOB_KIND = "board.attachment"
MAX_ATTEMPTS = 5


class AttachmentRefused(Exception):
    """The attachment will never be fetched: a foreign host, or larger than the limit."""


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        return (parts.scheme.lower(), (parts.hostname or "").lower(),
                parts.port or {"http": 80, "https": 443}.get(parts.scheme))
    except ValueError:          # a port that is not a number, a broken IPv6 literal: no origin at all
        return "", "", None


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc[:100]
    except ValueError:
        return "?"


def allowed(url: str, files_url: str) -> bool:
    """Whether ``url`` is on ``SAEOL_FILES_URL``'s scheme, host and port."""
    scheme, host, port = _origin(url)
    return bool(host) and scheme in ("http", "https") and (scheme, host, port) == _origin(files_url)


def check(attachment: BoardAttachment, settings: Mapping[str, Any]) -> None:
    """Raise :class:`AttachmentRefused` (and log it) for a URL off the file host or a declared size too large."""
    limit = int(settings["BOARD_ATTACHMENT_MAX_BYTES"])
    if not allowed(attachment.url, str(settings["SAEOL_FILES_URL"])):
        log.warning("board attachment %s refused: %s is not on the Saeol file host %s", attachment.external_id,
                    _host(attachment.url), _host(str(settings["SAEOL_FILES_URL"])))
        raise AttachmentRefused(f"다른 호스트의 파일은 받지 않습니다: {_host(attachment.url)}")
    if attachment.size > limit:
        raise AttachmentRefused(f"첨부파일이 {limit // 1048576}MB를 넘습니다")


def download(client: httpx.Client, url: str, limit: int) -> bytes:
    """The file's bytes, streamed and cut off past ``limit``; transient failures raise ``TransientError``."""
    try:
        with client.stream("GET", url, follow_redirects=False) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise jobs.TransientError(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise jobs.PermanentError(f"HTTP {response.status_code}")
            return read_capped(response, limit, AttachmentRefused(f"첨부파일이 {limit // 1048576}MB를 넘습니다"))
    except httpx.InvalidURL as exc:
        raise jobs.PermanentError(f"InvalidURL: {exc}"[:300]) from None
    except httpx.HTTPError as exc:
        raise jobs.TransientError(f"{type(exc).__name__}: {exc}"[:300]) from None


def share_like_post(session: Session, document: Document, post: BoardPost) -> None:
    """The document reaches whom the post reaches (all staff, departments, groups; a document has no
    per-person share, so people named one by one are not carried over)."""
    audience = Audience.from_rows(post.audience_rows)
    set_shares(session, document, all_staff=audience.all_staff, department_ids=audience.departments,
               group_ids=audience.groups)


def revoke(session: Session, attachment: BoardAttachment, settings: Mapping[str, Any]) -> None:
    """The attachment's document stops rendering (the post went, or the file was replaced)."""
    document = attachment.document
    if document is not None and document.status != "revoked":
        document.status, document.revoked_at = "revoked", utcnow()
        ViewerConfig.from_settings(settings).cache.purge(storage_key(document))


def sync(session: Session, post: BoardPost, items: Iterable[AttachmentItem],
         settings: Mapping[str, Any]) -> list[BoardAttachment]:
    """Make the post's attachments those of the item; returns the ones to download (new or changed)."""
    current = {a.external_id: a for a in post.attachments}
    wanted: list[BoardAttachment] = []
    seen = set()
    for item in items:
        if item.external_id in seen:
            continue
        seen.add(item.external_id)
        attachment = current.get(item.external_id)
        same = attachment is not None and (attachment.url, attachment.size, attachment.filename) == (
            item.url, item.size, item.filename)
        if same:
            continue
        if attachment is None:
            attachment = BoardAttachment(external_id=item.external_id)
            post.attachments.append(attachment)
        else:
            revoke(session, attachment, settings)
            attachment.document_id = None
        attachment.filename, attachment.content_type = item.filename, item.content_type
        attachment.size, attachment.url, attachment.state, attachment.error = item.size, item.url, "pending", ""
        try:
            check(attachment, settings)
            wanted.append(attachment)
        except AttachmentRefused as exc:
            attachment.state, attachment.error = "refused", str(exc)
    for external_id, attachment in current.items():
        if external_id not in seen:
            revoke(session, attachment, settings)
            post.attachments.remove(attachment)
    return wanted


def enqueue(session: Session, attachments: Iterable[BoardAttachment]) -> None:
    session.flush()
    for attachment in attachments:
        jobs.enqueue(session, JOB_KIND, {"attachment_id": attachment.id}, max_attempts=MAX_ATTEMPTS)


def fetch(session: Session, client: httpx.Client, settings: Mapping[str, Any], attachment_id: int) -> str:
    """The ``board.attachment`` job: download, store as a viewer document, queue its conversion.

    Returns the attachment's new state. A refusal or a file the viewer does not take ends the job (the
    attachment says why); a transport failure raises ``TransientError`` for the runtime's backoff.
    """
    attachment = session.get(BoardAttachment, attachment_id)
    if attachment is None or attachment.state != "pending":
        return attachment.state if attachment else "gone"
    post = attachment.post
    try:
        check(attachment, settings)
        data = download(client, attachment.url, int(settings["BOARD_ATTACHMENT_MAX_BYTES"]))
        title = f"{post.title} · {attachment.filename}"[:200]
        document = create_document(session, ViewerConfig.from_settings(settings), filename=attachment.filename,
                                   data=data, title=title, source="board")
        share_like_post(session, document, post)
        tasks.submit(session, "document_convert", label=title, payload={"document_id": document.id})
        attachment.document_id, attachment.state, attachment.error = document.id, "ready", ""
        if not attachment.size:
            attachment.size = len(data)
    except AttachmentRefused as exc:
        attachment.state, attachment.error = "refused", str(exc)
    except DocumentError as exc:
        attachment.state, attachment.error = "failed", str(exc)
    except jobs.PermanentError as exc:
        attachment.state, attachment.error = "failed", str(exc)
    session.commit()
    return attachment.state


def gave_up(session: Session, attachment_id: int, error: str) -> None:
    """The download kept failing: the attachment says so instead of staying pending."""
    attachment = session.get(BoardAttachment, attachment_id)
    if attachment is not None and attachment.state == "pending":
        attachment.state, attachment.error = "failed", f"내려받지 못했습니다: {error}"[:500]
        session.commit()
