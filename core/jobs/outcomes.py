"""What a job handler tells the worker. A handler returns ``None`` (done), a ``Record`` (done, with a write
to make in the worker's batch transaction) or a ``Defer``; it raises ``TransientError`` (try again with
backoff), ``PermanentError`` (dead at once) or any other exception (retried with backoff, then dead)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


class TransientError(Exception):
    """Try the job again later (with backoff, or after ``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """The job can never succeed: it goes dead at once."""


@dataclass(frozen=True)
class Defer:
    """Run the job again at ``run_at``, without counting an attempt."""

    run_at: datetime
    note: str = ""


@dataclass(frozen=True)
class Record:
    """Done; ``apply(session)`` writes the result and returns rows for the handler's ``batch_insert``
    statement (if any). The worker runs it in the same transaction that marks the job done, batched with other
    jobs' results: one writer instead of one per thread (SQLite)."""

    apply: Callable[[Session], list[dict[str, Any]]]


Outcome = Record | Defer | None
