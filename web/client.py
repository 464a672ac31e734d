"""Who is on the other end of the request, as the audit and reading logs record it."""
from __future__ import annotations

from flask import request


def client_info() -> dict[str, str]:
    """``ip`` and ``user_agent`` keyword arguments for ``core.audit.record`` and reading logs."""
    return {"ip": request.remote_addr or "", "user_agent": request.user_agent.string}
