"""Korean text that core stores or returns, for the web layer to show in the reader's language.

Core also runs without a request (the worker, the CLI), so it cannot know who will read a text, and it does
not import Flask-Babel. It keeps the Korean msgid, wrapped in ``N_`` so that ``pybabel extract`` finds it
(``N_`` is one of Babel's default keywords), with any values apart as ``%(name)s`` parameters; the web layer
translates it where it is shown, e.g. ``lazy_gettext(REASONS[code])`` or ``gettext(msgid, **params)``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction; it stays Korean here."""
    return msgid


# A message as data: {"msgid": Korean msgid, "params": {name: value}}. A value is a number, a string, or
# itself such a message (a word such as "텍스트" that the reader's language says its own way). JSON-safe,
# so it can be stored (reports, failed documents) and cross the sandbox pipe.
Detail = dict[str, Any]


def label(msgid: str, context: str = "") -> Detail:
    """A parameter that is itself a msgid, to be translated along with the sentence around it; ``context``
    (pgettext's) tells apart a word used with two meanings, such as 확인 the answer and 확인 the button."""
    return {"msgid": msgid, "params": {}, **({"context": context} if context else {})}


def korean(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """The message in Korean, as the CLI, the logs and the stored records show it."""
    values = {name: korean(value["msgid"], value.get("params")) if isinstance(value, Mapping) else value
              for name, value in (params or {}).items()}
    return msgid % values if values else msgid


@dataclass(frozen=True)
class Message:
    """A Korean msgid with its parameters; ``str()`` is the Korean text, :attr:`detail` the data form."""
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return korean(self.msgid, self.params)

    @property
    def detail(self) -> Detail:
        return {"msgid": self.msgid, "params": self.params}


class MessageError(ValueError):
    """An error fit to show the person who caused it: ``str(exc)`` is the Korean text (the CLI, logs and
    records); the web layer translates :attr:`detail` (``web.i18n.translated``)."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(korean(msgid, params))

    @property
    def detail(self) -> Detail:
        return {"msgid": self.msgid, "params": self.params}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> MessageError:
        return cls(detail["msgid"], **(detail.get("params") or {}))
