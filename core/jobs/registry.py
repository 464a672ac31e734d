"""The job registry: kind → handler, and the periodic schedules, filled in by each area's ``jobs`` module.

An area registers itself when its module is imported (``AREAS`` lists them; ``load_areas`` imports them all,
which is what the worker does at start-up)::

    from core.jobs.registry import registry

    @registry.handler("lettering.dial", on_dead=record_gave_up)
    def handle_dial(env: Env, payload: dict) -> Outcome: ...

    registry.every(3600, "lettering.purge")             # every N seconds
    registry.daily("04:00", "jobs.purge")               # daily at HH:MM Asia/Seoul

A schedule enqueues its job kind once per slot, whichever worker sees the slot first (``core.jobs.schedule``),
so schedules are handled exactly like any other job: leased, retried, dead, visible in the console.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from core.jobs.outcomes import Outcome

# Every area with jobs; its module registers handlers and schedules when imported.
AREAS = ("core.jobs.maintenance", "core.tasks", "core.ratelimit", "core.user_sessions", "core.lettering.jobs",
         "core.lettering.lines_import", "core.directory.importer", "core.directory.published", "core.documents.service",
         "core.push.jobs", "core.board.jobs", "core.board.writing",
         "core.duty.jobs", "core.duty.importer", "core.emergency.jobs", "core.menu.importer", "core.menu.jobs")

T = TypeVar("T")


@dataclass
class Env:
    """What a handler gets besides its payload: sessions, settings, and objects shared by every job of this
    worker (``shared(build)`` calls ``build(settings)`` once, e.g. an area's HTTP clients)."""

    factory: sessionmaker[Session]
    settings: dict[str, Any]
    _shared: dict[Callable[..., Any], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def shared(self, build: Callable[[dict[str, Any]], T]) -> T:
        with self._lock:
            if build not in self._shared:
                self._shared[build] = build(self.settings)
            return self._shared[build]


Handler = Callable[[Env, dict], Outcome]
OnDead = Callable[[Env, str, dict, str], None]


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Handler
    on_dead: OnDead | None = None
    batch_insert: Any = None     # the INSERT that a Record's rows go into, batched across jobs


@dataclass(frozen=True)
class Schedule:
    """``every`` seconds, or ``daily_at`` (Asia/Seoul); either way the job ``kind`` with an empty payload."""

    kind: str
    every: int | None = None
    daily_at: time | None = None


class Registry:
    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = {}
        self.schedules: list[Schedule] = []

    def handler(self, name: str, *, on_dead: OnDead | None = None,
                batch_insert: Any = None) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            if name in self.kinds and self.kinds[name].handler is not fn:
                raise ValueError(f"job kind {name!r} is registered twice")
            self.kinds[name] = Kind(name, fn, on_dead, batch_insert)
            return fn
        return register

    def every(self, seconds: int, kind: str) -> None:
        if seconds < 1:
            raise ValueError("a schedule runs at most once a second")
        self._schedule(Schedule(kind, every=seconds))

    def daily(self, at: str, kind: str) -> None:
        """``at`` is ``HH:MM`` in Asia/Seoul."""
        self._schedule(Schedule(kind, daily_at=time.fromisoformat(at)))

    def _schedule(self, schedule: Schedule) -> None:
        if schedule not in self.schedules:
            self.schedules.append(schedule)

    def get(self, name: str) -> Kind | None:
        return self.kinds.get(name)


registry = Registry()


def load_areas(areas: tuple[str, ...] = AREAS) -> Registry:
    """Import every area's jobs module, so that all handlers and schedules are registered."""
    for module in areas:
        importlib.import_module(module)
    return registry
