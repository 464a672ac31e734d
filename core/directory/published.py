"""The directory index as a file: built by the worker, loaded by the web processes.

Building the index reads every person and computes their keys: about 0.15 ms an entry, so 8 s or more at
50,000. No search may wait for that, so a web process never builds a large index itself
(``core.directory.index.get_index``): the worker's ``directory.index`` job builds it whenever the
directory's stamp changes (every ``EVERY_SECONDS``, and at once after an import) and writes it here, under
``instance/directory-index/``, named by the stamp; a web process that sees a new stamp loads the file for it
(0.7 s at 50,000, while its other threads go on serving the previous index) or, until it exists, keeps the
index it has.

The files are pickles. That is safe only because nobody but this project's worker writes into the instance
folder, which also holds the secrets; never point ``folder`` anywhere else.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core.directory.scanner import Scanner
from core.jobs.registry import Env, registry

log = logging.getLogger("directory.index")
EVERY_SECONDS = 10
KEEP_FILES = 2          # the newest and the one before, which a web process may still be loading
KIND = "directory.index"
SCANNERS = ("text", "initials", "digits")


def folder_for(settings: dict[str, Any]) -> Path:
    return Path(settings["INSTANCE_PATH"]) / "directory-index"


def _name(stamp: tuple) -> str:
    return "index-" + hashlib.sha256(repr(stamp).encode()).hexdigest()[:24] + ".pickle"


def path_for(folder: Path, stamp: tuple) -> Path:
    return folder / _name(stamp)


CHUNK = 2000           # items per record of the file: what a load does between two chances for searches


def _chunked(name: str, items: list) -> Iterator[tuple[str, list]]:
    for start in range(0, len(items), CHUNK):
        yield name, items[start:start + CHUNK]


def _records(stamp: tuple, index: Any) -> Iterator[tuple[str, Any]]:
    """The index as a stream of small records. The references between its tables become entry positions."""
    yield "stamp", stamp
    yield from _chunked("entries", index.entries)
    position = {entry.id: i for i, entry in enumerate(index.entries)}
    for name in ("by_name", "by_given", "by_department"):
        table = getattr(index, name)
        yield from _chunked(name, [(key, [position[e.id] for e in people]) for key, people in table.items()])
    for name in ("names", "name_jamo", "department_keys"):
        yield from _chunked(name, getattr(index, name))
    for name in ("department_names", "places"):
        yield from _chunked(name, list(getattr(index, name).items()))
    for scanner_name in SCANNERS:
        scanner = getattr(index, scanner_name)
        yield f"{scanner_name}.shape", (scanner.n, scanner.text, scanner.weights, scanner.owners)
        yield from _chunked(f"{scanner_name}.keys", scanner.keys)
        for table in ("grams", "exact", "prefix"):
            yield from _chunked(f"{scanner_name}.{table}", list(getattr(scanner, table).items()))


def _assemble(parts: dict[str, Any]) -> Any:
    from core.directory.index import DirectoryIndex  # the index module imports this one

    entries = parts["entries"]
    index = DirectoryIndex(entries=entries, by_id={entry.id: entry for entry in entries},
                           names=parts["names"], name_jamo=parts["name_jamo"],
                           department_keys=parts["department_keys"],
                           department_names=dict(parts["department_names"]), places=dict(parts["places"]))
    for name in ("by_name", "by_given", "by_department"):
        setattr(index, name, {key: [entries[i] for i in positions] for key, positions in parts[name]})
    for scanner_name in SCANNERS:
        scanner = Scanner()
        scanner.n, scanner.text, scanner.weights, scanner.owners = parts[f"{scanner_name}.shape"]
        scanner.keys = parts[f"{scanner_name}.keys"]
        for table in ("grams", "exact", "prefix"):
            setattr(scanner, table, dict(parts[f"{scanner_name}.{table}"]))
        setattr(index, scanner_name, scanner)
    return index


def load(path: Path) -> tuple[tuple, Any] | None:
    """(stamp, DirectoryIndex) from a published file, or None when there is none (or it is unreadable).

    Record by record, yielding the interpreter between them: unpickling holds the GIL, and one pickle of the
    whole index would stop this process's searches for the whole load (0.5–2 s at 50,000).
    """
    parts: dict[str, Any] = defaultdict(list)
    gc.disable()  # the index is millions of small objects: collecting while they arrive triples the time
    try:
        with path.open("rb") as file:
            # One unpickler, so its memo shares strings across records; only our worker writes this folder.
            unpickler = pickle.Unpickler(file)  # noqa: S301
            while True:
                try:
                    name, value = unpickler.load()
                except EOFError:
                    break
                if name == "stamp" or name.endswith(".shape"):
                    parts[name] = value
                else:
                    parts[name].extend(value)
                time.sleep(0)
        return parts["stamp"], _assemble(parts)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a torn or foreign file is no index; the worker writes a new one
        log.warning("directory index file %s is unreadable", path.name)
        return None
    finally:
        gc.enable()


def newest(folder: Path) -> Path | None:
    files = sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    return files[0] if files else None


def publish(session: Session, folder: Path) -> Path | None:
    """Build and write the index for the directory's current stamp, unless that file exists already.

    The stamp is read before the people, so the file holds at least what the stamp promises (a change
    committed in between only makes the next pass write again). Written aside and renamed into place, so a
    reader never sees half a file. Returns the path written, or None when it was already there.
    """
    from core.directory.index import build_index, stamp_of  # the index module imports this one

    stamp = stamp_of(session)
    path = path_for(folder, stamp)
    if path.exists():
        return None
    index = build_index(session)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".{path.name}.{secrets.token_hex(4)}"
    with scratch.open("wb") as file:
        pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)  # one memo: shared strings once
        for record in _records(stamp, index):
            pickler.dump(record)
    os.replace(scratch, path)
    for old in sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_FILES:]:
        old.unlink(missing_ok=True)
    log.info("directory index published: %d entries, %s", len(index), path.name)
    return path


_building = threading.Lock()   # one build per worker process: a 50,000 build outlasts the 10 s schedule


@registry.handler(KIND)
def publish_job(env: Env, payload: dict) -> None:
    if not _building.acquire(blocking=False):
        return  # another pass of this process is building; the next slot looks again
    try:
        _publish_now(env)
    finally:
        _building.release()


def _publish_now(env: Env) -> None:
    with env.factory() as session:
        publish(session, folder_for(env.settings))
        session.rollback()


registry.every(EVERY_SECONDS, KIND)
