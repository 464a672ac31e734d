"""The templates the Kakao simulator knows, as real Kakao knows the templates registered and approved there.

A message (PROTOCOLS.md §3) names its template by code and carries only the variables' values and the
buttons, so Kakao checks them against the registered template: an unknown or unapproved code, a missing or
unknown variable, a button the template does not have, or a message over 1,000 characters once filled is
refused with ``-2001``.

The registrations take the shape of the provider's template registration (``templateCode``,
``templateContent``, ``templateMessageType`` BA/EX, ``templateExtra``, ``buttons`` with ``name``, and
``templateStatus``: TSC01 requested, TSC02 in review, TSC03 approved, TSC04 rejected). They come from
- ``PUT /_sim/templates`` ``{"templates": [...]}`` on the Kakao port (a test, or a harness standing in for
  the provider's console), which replaces the whole set;
- or a JSON file in the same shape (``--templates``, default ``KAKAO_SIM_TEMPLATES_FILE``), read again whenever
  it changes. The project writes that file from the console's record of Kakao's review when the setting is set
  (``core.lettering.kakao_sim_file``; ``make run`` sets it), so the simulator approves what the console does.

Without either, the simulator knows the two templates of the demo (``DEFAULT_REGISTRATIONS``)."""
from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

VARIABLE = re.compile(r"#\{([^{}]+)\}")
MAX_LENGTH = 1000
APPROVED = "TSC03"
DEFAULT_REGISTRATIONS: list[dict[str, Any]] = [
    {"templateCode": "GY_MISSED_CALL", "templateMessageType": "BA", "templateStatus": APPROVED,
     "templateContent": "[#{기관명}] 부재중 전화 안내\n\n#{부서명}에서 #{발신번호} 번호로 전화를 드렸습니다.\n"
                        "#{안내문구}\n\n고양특례시의 공식 번호인지 아래 '기관 확인' 버튼으로 확인하실 수 있습니다.",
     "buttons": [{"ordering": 1, "type": "WL", "name": "기관 확인"}, {"ordering": 2, "type": "WL", "name": "안내 보기"},
                 {"ordering": 3, "type": "WL", "name": "수신 거부"}]},
    {"templateCode": "GY_OPTOUT_CODE", "templateMessageType": "BA", "templateStatus": APPROVED,
     "templateContent": "[고양특례시] 수신 거부 확인 인증번호는 #{인증번호}입니다. 5분 안에 입력해 주세요.",
     "buttons": []},
]


@dataclass(frozen=True)
class Registered:
    code: str
    content: str
    extra: str
    variables: tuple[str, ...]
    buttons: tuple[str, ...]
    status: str

    @classmethod
    def parse(cls, item: Any) -> Registered:
        """One registration; ValueError when it is not one."""
        if not isinstance(item, dict) or not isinstance(item.get("templateCode"), str) \
                or not isinstance(item.get("templateContent"), str):
            raise ValueError("a template needs templateCode and templateContent")
        buttons = item.get("buttons") or []
        if not isinstance(buttons, list) or len(buttons) > 5 or \
                any(not isinstance(b, dict) or not isinstance(b.get("name"), str) for b in buttons):
            raise ValueError("buttons must be at most 5 objects with a name")
        content = item["templateContent"]
        return cls(code=item["templateCode"], content=content, extra=str(item.get("templateExtra") or ""),
                   variables=tuple(dict.fromkeys(VARIABLE.findall(content))),
                   buttons=tuple(b["name"] for b in buttons), status=str(item.get("templateStatus") or ""))

    def as_json(self) -> dict[str, Any]:
        return {"templateCode": self.code, "templateContent": self.content, "templateExtra": self.extra,
                "templateStatus": self.status,
                "buttons": [{"ordering": n, "type": "WL", "name": name} for n, name in enumerate(self.buttons, 1)]}

    def problem(self, params: dict[str, Any], buttons: list[dict[str, Any]]) -> str:
        """'' when a recipient's values and buttons fit this template, else the reason (for ``-2001``)."""
        if self.status != APPROVED:
            return f"template: {self.code} is not approved ({self.status or 'not requested'})"
        missing = [name for name in self.variables if not isinstance(params.get(name), str)]
        if missing:
            return "template: a template parameter is missing: " + ", ".join(missing)
        unknown = [name for name in params if name not in self.variables]
        if unknown:
            return "template: the template has no parameter " + ", ".join(unknown)
        names = [str(b.get("name", "")) for b in buttons]
        # The sender may leave a button out (no campaign running: no 안내 보기), never add or reorder one.
        left = iter(self.buttons)
        if not all(any(name == known for known in left) for name in names):
            return "template: the buttons do not match the template"
        filled = VARIABLE.sub(lambda m: str(params.get(m.group(1), "")), self.content)
        if len(filled) > MAX_LENGTH:
            return f"template: the message is longer than {MAX_LENGTH} characters"
        return ""


class TemplateBook:
    """The registered templates, thread-safe; from a file (re-read when it changes) or set over HTTP."""

    def __init__(self, path: str = "") -> None:
        self._lock = threading.Lock()
        self._path = path
        self._stamp: tuple[int, int, int] | None = None
        self._templates: dict[str, Registered] = {} if path else self._parse(DEFAULT_REGISTRATIONS)

    @staticmethod
    def _parse(items: Any) -> dict[str, Registered]:
        if not isinstance(items, list):
            raise ValueError("templates must be a list")
        parsed = [Registered.parse(item) for item in items]
        return {t.code: t for t in parsed}

    def replace(self, items: Any) -> int:
        """Replace every registration (ValueError on a bad one, changing nothing); returns how many. The file,
        if any, is no longer followed."""
        templates = self._parse(items)
        with self._lock:
            self._templates, self._path = templates, ""
        return len(templates)

    def _follow_file(self) -> None:
        try:
            info = os.stat(self._path)
        except OSError:
            self._templates, self._stamp = {}, None   # no file yet: nothing is registered
            return
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)   # the project renames a new file over it
        if stamp == self._stamp:
            return
        try:
            with open(self._path, encoding="utf-8") as source:
                data = json.load(source)
            self._templates = self._parse(data.get("templates") if isinstance(data, dict) else data)
        except (OSError, ValueError):
            return   # half written or broken: keep what was known, try again on the next message
        self._stamp = stamp

    def get(self, code: Any) -> Registered | None:
        with self._lock:
            if self._path:
                self._follow_file()
            return self._templates.get(code) if isinstance(code, str) else None

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            if self._path:
                self._follow_file()
            return [t.as_json() for t in self._templates.values()]
