"""The console's bulk actions on lines: move lines to another department, set the guidance message of many
lines, switch lines off or on. Each line is checked with the line rules (``core.lettering.line_rules``), like
a row of the import: a line that would break them is refused with its reason and left as it was, and the
others change. The caller checks who may act on which lines, commits, and audits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.i18n import N_, Message
from core.lettering.line_rules import Directory, directory_check, line_number_problem, message_problem
from core.lettering.lines_import import clean_text
from core.models.lettering import Line
from core.models.organization import Department
from core.phone import format_korean

ACTIONS = ("move", "message", "disable", "enable")
MAX_LINES = 5_000   # a whole search of the demo's 4,000 lines, in one transaction


class BulkError(ValueError):
    """The action as a whole cannot run (no department to move to, an unknown action)."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class BulkResult:
    action: str
    changed: list[str] = field(default_factory=list)        # E.164 numbers
    unchanged: int = 0
    # [{"line": "031-8075-1234", "reason": "<Korean>", "messages": [{"msgid": ..., "params": ...}]}]
    refused: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "changed": len(self.changed), "unchanged": self.unchanged,
                "refused": self.refused, "notices": self.notices}


def _entry(line: Line, problem: Message) -> dict[str, Any]:
    return {"line": format_korean(line.number), "line_id": line.id, "reason": str(problem),
            "messages": [problem.detail]}


def normalise_message(text: str) -> str:
    """As the import and the form read a message: NFC, control characters dropped, spaces collapsed."""
    return " ".join(clean_text(text).split())


def apply_bulk(session: Session, lines: list[Line], action: str, *, department: Department | None = None,
               message: str = "", prefixes: tuple[str, ...] = ()) -> BulkResult:
    """Apply ``action`` to ``lines`` line by line; the session is flushed, not committed."""
    if action not in ACTIONS:
        raise BulkError(Message(N_("알 수 없는 일괄 작업입니다.")))
    if action == "move" and department is None:
        raise BulkError(Message(N_("옮길 부서를 골라 주세요.")))
    if len(lines) > MAX_LINES:
        raise BulkError(Message(N_("한 번에 %(max)s개 회선까지 바꿀 수 있습니다. 검색을 좁혀 주세요."),
                                {"max": f"{MAX_LINES:,}"}))
    result = BulkResult(action)
    text = normalise_message(message) if action == "message" else ""
    text_problem = message_problem(text) if action == "message" else None
    directory = Directory.load(session, [line.number for line in lines]) if action in ("move", "enable") \
        else Directory()
    for line in lines:
        problem, notice, change = _plan(line, action, department, text, text_problem, directory, prefixes)
        if problem is not None:
            result.refused.append(_entry(line, problem))
            continue
        if notice is not None:
            result.notices.append(_entry(line, notice))
        if change:
            for name, value in change.items():
                setattr(line, name, value)
            result.changed.append(line.number)
        else:
            result.unchanged += 1
    session.flush()
    return result


def _plan(line: Line, action: str, department: Department | None, text: str, text_problem: Message | None,
          directory: Directory, prefixes: tuple[str, ...]) -> tuple[Message | None, Message | None, dict[str, Any]]:
    """(refusal, notice, the changed fields) for one line."""
    if action == "disable":
        return None, None, {"active": False} if line.active else {}
    if action == "message":
        if text_problem is not None:
            return text_problem, None, {}
        return None, None, {"message": text} if line.message != text else {}
    if action == "enable":
        # A line switched on is vouched for by /verify again: it must keep the rules as a new one would.
        problem = line_number_problem(line.number, prefixes)
        refusal, notice = directory_check(line.number, line.department_id, directory)
        if problem or refusal:
            return problem or refusal, None, {}
        return None, notice, {"active": True} if not line.active else {}
    assert department is not None
    refusal, notice = directory_check(line.number, department.id, directory)
    if refusal is not None:
        return refusal, None, {}
    change = {"department_id": department.id, "department": department, "department_name": department.name,
              "institution": department.organization or line.institution}
    if (line.department_id, line.department_name, line.institution) == (
            department.id, department.name, change["institution"]):
        return None, notice, {}
    return None, notice, change
