"""Documents end to end: store an upload, convert it in the sandbox, pre-render, serve pages, revoke."""
from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import MAX_ID
from core.documents import DocumentError
from core.documents.cache import PageCache
from core.documents.intake import check_upload
from core.documents.isolation import Limits, RenderError, RenderPool, render_pool, run_convert
from core.documents.watermark import Identity, marked_page
from core.i18n import N_
from core.models.accounts import User
from core.models.documents import Document, DocumentShare, DocumentView
from core.models.groups import StaffGroup
from core.models.organization import Department
from core.tasks import Progress, TaskInput, task
from core.timeutil import utcnow

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
PAGE_WIDTH = 1080        # pre-rendered: a phone's page at device pixel ratio 3 (374 CSS px)
ZOOM_WIDTH = 1440        # 200 % on a phone at ratio 2
# The widths a page is drawn at. The viewer asks for its page's CSS width × devicePixelRatio, rounded
# by fit_width, so that a screen never gets more pixels than it shows, and the cache holds few sizes:
# 720 is a phone at ratio 2, 1080 at ratio 3 (or 150 % at 2), 1440 200 % at 2, 1620 150 % at 3 and
# 2160 200 % at 3.
WIDTHS = (720, PAGE_WIDTH, ZOOM_WIDTH, 1620, 2160)
FORMATS = ("jpeg", "webp")


def fit_width(wanted: float) -> int:
    """The allowed width for a page shown ``wanted`` device pixels wide: the smallest that is at least 90 %
    of it (a tenth of upscaling is not visible, and saves a step up), else the largest. The viewer's
    script rounds with the same rule (static/js/viewer.js, ``fitWidth``)."""
    for width in WIDTHS:
        if width >= wanted * 0.9:
            return width
    return WIDTHS[-1]



@dataclass(frozen=True)
class ViewerConfig:
    root: Path                 # instance/documents
    static_dir: Path
    base_url: str
    max_bytes: int
    max_pages: int
    cache_mb: int
    limits: Limits
    render_workers: int

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ViewerConfig:
        return cls(root=Path(settings["INSTANCE_PATH"]) / "documents", static_dir=ROOT / "static",
                   base_url=str(settings["PUBLIC_BASE_URL"]), max_bytes=int(settings["DOCUMENT_MAX_BYTES"]),
                   max_pages=int(settings["DOCUMENT_MAX_PAGES"]), cache_mb=int(settings["VIEWER_CACHE_MB"]),
                   limits=Limits(timeout=float(settings.get("VIEWER_SANDBOX_SECONDS", 60)),
                                 memory_mb=int(settings.get("VIEWER_SANDBOX_MEMORY_MB", 1024))),
                   render_workers=int(settings.get("VIEWER_RENDER_WORKERS", 2)))

    @property
    def cache(self) -> PageCache:
        return _cache_for(self.root / "cache", self.cache_mb)

    @property
    def pool(self) -> RenderPool:
        return render_pool(self.render_workers, self.limits)

    def file(self, relative: str) -> Path:
        return self.root / relative


_caches: dict[tuple[Path, int], PageCache] = {}
_caches_lock = threading.Lock()


def _cache_for(root: Path, limit_mb: int) -> PageCache:
    with _caches_lock:
        return _caches.setdefault((root, limit_mb), PageCache(root, limit_mb))


def storage_key(document: Document) -> str:
    """The document's folder under ``instance/documents``; it also names its cache folder."""
    return document.original_path.split("/", 1)[0]


def new_request_id() -> str:
    return "R-" + secrets.token_hex(4).upper()


# --- intake and conversion --------------------------------------------------------------------

def create_document(session: Session, cfg: ViewerConfig, *, filename: str, data: bytes, title: str,
                    owner: User | None = None, source: str = "console") -> Document:
    """Check and store an upload; the row starts as ``converting``. Raises :class:`DocumentError`."""
    title = (title or "").strip()
    if not title:
        raise DocumentError(N_("문서 제목을 입력해 주세요."))
    if len(title) > 200:
        raise DocumentError(N_("문서 제목은 %(max)s자 이하로 입력해 주세요."), max=200)
    intake = check_upload(filename, data, max_bytes=cfg.max_bytes)
    document = Document(title=title, original_name=Path(filename or "").name[:255], original_type=intake.kind,
                        original_size=intake.size, sha256=hashlib.sha256(data).hexdigest(), status="converting",
                        source=source, owner_id=owner.id if owner else None,
                        department_id=owner.department_id if owner else None)
    session.add(document)
    session.flush()
    # The folder name also keys the page cache; its random part keeps ids reused after a
    # restore (or in tests) from ever meeting another document's files.
    relative = f"{document.id}-{secrets.token_hex(6)}/original{intake.extension}"
    target = cfg.file(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    document.original_path = relative
    return document


def process_document(session: Session, cfg: ViewerConfig, document_id: int,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Convert and sanitise in the sandbox, mark ready, then pre-render every page.

    A failure marks the document ``failed`` with the reason (the Korean text, and the message as data for
    the console to translate) and raises :class:`DocumentError`.
    """
    document = session.get(Document, document_id)
    if document is None:
        raise DocumentError(N_("문서를 찾을 수 없습니다."))
    relative = f"{storage_key(document)}/document.pdf"
    job = {"kind": document.original_type, "src": str(cfg.file(document.original_path)),
           "out": str(cfg.file(relative)), "static_dir": str(cfg.static_dir), "base_url": cfg.base_url,
           "max_pages": cfg.max_pages}
    try:
        result = run_convert(job, cfg.limits)
    except DocumentError as exc:
        document.status, document.error, document.error_detail = "failed", str(exc), exc.detail
        session.commit()
        raise
    document.pdf_path, document.page_count = relative, int(result["pages"])
    document.page_sizes = result.get("sizes")
    document.status, document.error, document.error_detail, document.ready_at = "ready", "", None, utcnow()
    session.commit()
    rendered = prerender(session, cfg, document, progress)
    removed = sum(result.get("removed", {}).values())
    return {"문서 번호": document.id, "제목": document.title, "쪽수": document.page_count,
            "미리 그린 쪽": rendered, "제거한 위험 요소": removed,
            "차단한 외부 주소": len(result.get("refused_urls", []))}


def prerender(session: Session, cfg: ViewerConfig, document: Document, progress: Progress | None = None) -> int:
    """Fill the cache at the phone width so that first views are cache hits; stops if revoked."""
    pdf, total, done, key = cfg.file(document.pdf_path), document.page_count, 0, storage_key(document)
    for page in range(1, total + 1):
        if page % 10 == 0:
            session.refresh(document)
            if document.status != "ready":
                break
        if not cfg.cache.has(key, page, PAGE_WIDTH):
            try:
                cfg.pool.render(pdf, page, PAGE_WIDTH, cache=cfg.cache.path(key, page, PAGE_WIDTH),
                                reply=False)
                cfg.cache.note_write()
            except RenderError as exc:
                log.warning("pre-render of document %s page %s failed: %s", document.id, page, exc)
                continue
        done += 1
        if progress:
            progress(page, total)
    return done


# --- reading --------------------------------------------------------------------------------

def page_bitmap(cfg: ViewerConfig, document: Document, page: int, width: int) -> Image.Image:
    """The un-watermarked page from the cache, rendered in the sandbox on a miss."""
    if width not in WIDTHS or not 1 <= page <= document.page_count:
        raise DocumentError(N_("없는 쪽입니다."))
    key = storage_key(document)
    bitmap = cfg.cache.get(key, page, width)
    if bitmap is None:
        bitmap = cfg.pool.render(cfg.file(document.pdf_path), page, width, cache=cfg.cache.path(key, page, width))
        cfg.cache.note_write()
    return bitmap.image().convert("RGB")


def page_image(cfg: ViewerConfig, document: Document, page: int, width: int, identity: Identity,
               fmt: str = "jpeg") -> bytes:
    """The page with ``identity`` in its pixels, as a JPEG or WebP (``fmt``). Callers check access first.

    A cached page is watermarked here; on a miss the render child renders, watermarks and
    encodes in one go (only the JPEG crosses the pipe) and caches the clean bitmap when idle.
    """
    if width not in WIDTHS or fmt not in FORMATS or not 1 <= page <= document.page_count:
        raise DocumentError(N_("없는 쪽입니다."))
    key = storage_key(document)
    bitmap = cfg.cache.get(key, page, width)
    if bitmap is not None:
        return marked_page(bitmap, identity, fmt)
    body = cfg.pool.render_marked(cfg.file(document.pdf_path), page, width, identity.lines(),
                                  cache=cfg.cache.path(key, page, width), fmt=fmt)
    cfg.cache.note_write()
    return body


def identity_for(user: User, request_id: str) -> Identity:
    return Identity(name=user.display_name or user.username, employee_no=user.employee_no or "",
                    department=user.department.name if user.department else "", at=utcnow(),
                    request_id=request_id)


def record_view(session: Session, document: Document, user: User, *, kind: str, request_id: str,
                page: int | None = None, width: int | None = None, ip: str = "", user_agent: str = "") -> None:
    session.add(DocumentView(document_id=document.id, user_id=user.id, kind=kind, page=page, width=width,
                             ip=ip[:64], user_agent=user_agent[:255], request_id=request_id))


def readers(session: Session, document: Document) -> list[dict[str, Any]]:
    """Who read the document: first and last time, pages seen, images fetched — latest first."""
    rows = session.execute(
        select(DocumentView.user_id, func.min(DocumentView.at), func.max(DocumentView.at),
               func.count(func.distinct(DocumentView.page)), func.count(DocumentView.page))
        .where(DocumentView.document_id == document.id).group_by(DocumentView.user_id)
        .order_by(func.max(DocumentView.at).desc())).all()
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([r[0] for r in rows])))}
    return [{"user": users.get(user_id), "first_at": first, "last_at": last, "pages": pages, "fetches": fetches}
            for user_id, first, last, pages, fetches in rows]


def recent_views(session: Session, document: Document, limit: int = 100) -> list[DocumentView]:
    return list(session.scalars(select(DocumentView).where(DocumentView.document_id == document.id)
                                .order_by(DocumentView.id.desc()).limit(limit)))


# --- sharing and revocation ----------------------------------------------------------------

def set_shares(session: Session, document: Document, *, all_staff: bool = False,
               department_ids: Iterable[int] = (), group_ids: Iterable[int] = (),
               user_ids: Iterable[int] = ()) -> None:
    """Replace the document's audience; ids of departments, groups or people that do not exist are left out."""
    departments = _existing(session, Department, department_ids)
    groups = _existing(session, StaffGroup, group_ids)
    people = _existing(session, User, user_ids)
    for share in list(document.shares):
        document.shares.remove(share)
    session.flush()
    if all_staff:
        document.shares.append(DocumentShare(scope="all"))
    for department_id in departments:
        document.shares.append(DocumentShare(scope="department", department_id=department_id))
    for group_id in groups:
        document.shares.append(DocumentShare(scope="group", group_id=group_id))
    for user_id in people:
        document.shares.append(DocumentShare(scope="user", user_id=user_id))
    session.flush()


def _existing(session: Session, model: type, ids: Iterable[int]) -> list[int]:
    wanted = {i for i in ids if 0 < i <= MAX_ID}   # a larger id is no row, and no database takes it
    return sorted(session.scalars(select(model.id).where(model.id.in_(wanted)))) if wanted else []


def revoke(session: Session, cfg: ViewerConfig, document: Document, by: User | None = None) -> None:
    """Stop every rendering now: the status is checked on each page request; cached pages go too."""
    document.status, document.revoked_at = "revoked", utcnow()
    document.revoked_by = by.id if by else None
    session.commit()
    cfg.cache.purge(storage_key(document))


@task("document_convert")
def convert_task(session: Session, progress: Progress, given: TaskInput) -> dict[str, Any]:
    """The console's upload, converted by the worker (``core.tasks``)."""
    return process_document(session, ViewerConfig.from_settings(given.settings), int(given.payload["document_id"]),
                            progress)

