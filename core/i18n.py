"""Korean text that core stores or returns, for the web layer to show in the reader's language.

Core also runs without a request (the worker, the CLI), so it cannot know who will read a text, and it does
not import Flask-Babel. It keeps the Korean msgid, wrapped in ``N_`` so that ``pybabel extract`` finds it
(``N_`` is one of Babel's default keywords), with any values apart as ``%(name)s`` parameters; the web layer
translates it where it is shown, e.g. ``lazy_gettext(REASONS[code])`` or ``gettext(msgid, **params)``.
"""
from __future__ import annotations


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction; it stays Korean here."""
    return msgid
