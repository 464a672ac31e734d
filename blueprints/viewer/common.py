"""Helpers shared by the reader's and the console's views."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext

from core.documents import DocumentError
from core.documents.service import ViewerConfig
from core.models.documents import Document

# The viewer needs nothing but its own scripts, styles and page images.
VIEWER_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
              "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
              "object-src 'none'")


def viewer_config() -> ViewerConfig:
    return ViewerConfig.from_settings(current_app.config)


def translated(detail: Mapping[str, Any]) -> str:
    """A message from core (``DocumentError.detail``) in the reader's language; word parameters too."""
    params = {name: translated(value) if isinstance(value, Mapping) else value
              for name, value in (detail.get("params") or {}).items()}
    msgid = detail["msgid"]   # a variable, not the subscript, so that pybabel does not extract "msgid"
    return gettext(msgid, **params)


def error_text(exc: DocumentError) -> str:
    """What went wrong with a document, in the reader's language."""
    return translated(exc.detail)


def document_error(document: Document) -> str:
    """Why the document failed, in the reader's language; rows stored before the detail show their Korean."""
    detail = document.error_detail
    if isinstance(detail, Mapping) and isinstance(detail.get("msgid"), str):
        return translated(detail)
    return document.error
