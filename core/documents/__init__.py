"""The secure document viewer's domain code.

Flow: :mod:`intake` checks an upload, :mod:`service` stores it and runs
:mod:`isolation` (a limited child process running :mod:`sandbox`) to convert and
sanitise it into a PDF, then pre-renders the pages into :mod:`cache`. Each page
request composes a :mod:`watermark` on a cached bitmap; :mod:`signing` makes the
short-lived page URLs and :mod:`sharing` decides who may read what.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A message as data: {"msgid": Korean msgid, "params": {name: value}}. A value is a number, a string,
# or itself a message (a word such as "텍스트" that the reader's language says its own way).
Detail = dict[str, Any]


def label(msgid: str) -> Detail:
    """A parameter that is itself a msgid, to be translated along with the sentence around it."""
    return {"msgid": msgid, "params": {}}


def korean(detail: Mapping[str, Any]) -> str:
    """The message in Korean, as the CLI, the logs and the stored records show it."""
    params = {name: korean(value) if isinstance(value, Mapping) else value
              for name, value in (detail.get("params") or {}).items()}
    return detail["msgid"] % params if params else detail["msgid"]


class DocumentError(ValueError):
    """A problem with a document, fit to show the person who caused it.

    ``msgid`` is a Korean msgid marked with ``core.i18n.N_``, ``params`` its values (JSON-safe, so that
    the error crosses the sandbox pipe and is stored with a failed document); ``str(exc)`` is the Korean
    sentence and the web layer translates :attr:`detail`.
    """

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(korean(self.detail))

    @property
    def detail(self) -> Detail:
        return {"msgid": self.msgid, "params": self.params}

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> DocumentError:
        return cls(detail["msgid"], **(detail.get("params") or {}))
