"""Helpers shared by the reader's and the console's views."""
from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from core.documents.service import ViewerConfig
from core.i18n import MessageError
from core.models.documents import Document
from web.i18n import translated

# The viewer needs nothing but its own scripts, styles and page images.
VIEWER_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
              "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
              "object-src 'none'")


def viewer_config() -> ViewerConfig:
    return ViewerConfig.from_settings(current_app.config)


def error_text(exc: MessageError) -> str:
    """What went wrong with a document (or a group named in its shares), in the reader's language."""
    return translated(exc.detail)


def document_error(document: Document) -> str:
    """Why the document failed, in the reader's language; rows stored before the detail show their Korean."""
    detail = document.error_detail
    if isinstance(detail, Mapping) and isinstance(detail.get("msgid"), str):
        return translated(detail)
    return document.error
