"""The secure document viewer's domain code.

Flow: :mod:`intake` checks an upload, :mod:`service` stores it and runs
:mod:`isolation` (a limited child process running :mod:`sandbox`) to convert and
sanitise it into a PDF, then pre-renders the pages into :mod:`cache`. Each page
request composes a :mod:`watermark` on a cached bitmap; :mod:`signing` makes the
short-lived page URLs and :mod:`sharing` decides who may read what.
"""
from __future__ import annotations

from core.i18n import MessageError


class DocumentError(MessageError):
    """A problem with a document, fit to show the person who caused it. Its :attr:`detail` crosses the
    sandbox pipe and is stored with a failed document."""
