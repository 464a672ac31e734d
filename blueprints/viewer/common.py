"""Helpers shared by the reader's and the console's views."""
from __future__ import annotations

from flask import current_app

from core.documents.service import ViewerConfig

# The viewer needs nothing but its own scripts, styles and page images.
VIEWER_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
              "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
              "object-src 'none'")


def viewer_config() -> ViewerConfig:
    return ViewerConfig.from_settings(current_app.config)

