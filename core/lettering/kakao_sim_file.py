"""For a development stack only: the console's record of Kakao's template review, written as the Kakao
simulator's templates file (``lettering_worker.simulators.kakao_templates``), so the simulator approves what
the console records as approved, as real Kakao would have. Nothing here talks to Kakao or to the simulator.

Only when ``KAKAO_SIM_TEMPLATES_FILE`` is set (``make run`` sets it; production leaves it blank): the worker
writes the file when it starts, the console after every template save or status change."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.lettering import AlimTalkTemplate

# The provider's template states: 등록 is a registration not yet sent for review.
STATUS = {"draft": "TSC01", "pending": "TSC02", "approved": "TSC03", "rejected": "TSC04"}


def registration(template: AlimTalkTemplate) -> dict[str, Any]:
    """A template in the shape of the provider's template registration, with its review state."""
    return {"templateCode": template.code, "templateName": template.name,
            "templateMessageType": "EX" if template.kind == "extra" else "BA",
            "templateContent": template.body, "templateExtra": template.extra or "",
            "buttons": [{"ordering": n, "type": "WL", "name": str(b.get("name") or "")}
                        for n, b in enumerate(template.buttons or [], 1)],
            "templateStatus": STATUS.get(template.status, "TSC01")}


def write(session: Session, settings: Mapping[str, Any]) -> bool:
    """Write every template to ``KAKAO_SIM_TEMPLATES_FILE`` (aside, then renamed over it: the simulator never
    reads half a file). False when the setting is blank."""
    target = str(settings.get("KAKAO_SIM_TEMPLATES_FILE") or "")
    if not target:
        return False
    rows = session.scalars(select(AlimTalkTemplate).order_by(AlimTalkTemplate.code))
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    scratch.write_text(json.dumps({"templates": [registration(t) for t in rows]}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
    os.replace(scratch, path)
    return True
