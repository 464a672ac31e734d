"""The directory index as a file: built by the worker, loaded by the web processes.

Building the index reads every person and computes their keys: about 0.15 ms an entry, so 8 s or more at
50,000. No search may wait for that, so a web process never builds a large index itself
(``core.directory.index.get_index``): the worker's ``directory.index`` job builds it whenever the
directory's stamp changes (every ``EVERY_SECONDS``, and at once after an import) and writes it here, under
``instance/directory-index/``, named by the stamp; a web process that sees a new stamp loads the file for it
(0.1 s at 50,000, while its other threads go on serving the previous index) or, until it exists, keeps the
index it has.

The files are pickles. That is safe only because nobody but this project's worker writes into the instance
folder, which also holds the secrets; never point ``folder`` anywhere else.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core.allocator import give_back_memory
from core.jobs.registry import Env, registry

log = logging.getLogger("directory.index")
EVERY_SECONDS = 10
KEEP_FILES = 2          # the newest and the one before, which a web process may still be loading
KIND = "directory.index"


def folder_for(settings: dict[str, Any]) -> Path:
    return Path(settings["INSTANCE_PATH"]) / "directory-index"


FORMAT = 4   # of the records: a file of another format gets another name, so the worker writes this one anew


def _name(stamp: tuple) -> str:
    return "index-" + hashlib.sha256(repr((FORMAT, stamp)).encode()).hexdigest()[:24] + ".pickle"


def path_for(folder: Path, stamp: tuple) -> Path:
    return folder / _name(stamp)


GRAMS_PER_RECORD = 1000   # a scanner's n-gram postings are written this many to a record
TEXT_PER_RECORD = 1_000_000   # and its joined keys this many characters to a record


def _records(stamp: tuple, index: Any) -> Iterator[tuple]:
    """The index as a stream of small records: each field whole (a few large arrays and strings each,
    core.directory.columns, which pickle as bytes), except the scanners, attribute by attribute and their
    n-gram postings a thousand at a time. Unpickling a record holds the GIL: the text scanner in one record
    took 94 ms at 50,000, which a loaded machine stretched to over a second of every search's wait."""
    from core.directory.scanner import Scanner  # the scanner module imports nothing of this one

    yield "field", "stamp", stamp
    for item in fields(index):
        value = getattr(index, item.name)
        if not isinstance(value, Scanner):
            yield "field", item.name, value
            continue
        yield "scanner", item.name, type(value)
        for attr, part in vars(value).items():
            if isinstance(part, str) and len(part) > TEXT_PER_RECORD:
                # The joined keys (12 MB at 50,000, 43 ms to decode at once) go a million characters a record.
                for start in range(0, len(part), TEXT_PER_RECORD):
                    yield "text", item.name, (attr, part[start:start + TEXT_PER_RECORD])
            elif attr != "grams":
                yield "attr", item.name, (attr, part)
        grams = list(value.grams.items())
        for start in range(0, len(grams), GRAMS_PER_RECORD):
            yield "grams", item.name, grams[start:start + GRAMS_PER_RECORD]


def load(path: Path) -> tuple[tuple, Any] | None:
    """(stamp, DirectoryIndex) from a published file, or None when there is none (or it is unreadable).

    Record by record, yielding the interpreter between them: unpickling holds the GIL, and this process's
    other threads go on searching the previous index meanwhile.
    """
    from core.directory.index import DirectoryIndex  # the index module imports this one

    parts: dict[str, Any] = {}
    pieces: dict[tuple[str, str], list[str]] = {}   # (field, attribute) → a scanner's string, in pieces
    try:
        with path.open("rb") as file:
            # One unpickler, so its memo shares strings across records; only our worker writes this folder.
            unpickler = pickle.Unpickler(file)  # noqa: S301
            while True:
                try:
                    kind, name, value = unpickler.load()
                except EOFError:
                    break
                if kind == "field":
                    parts[name] = value
                elif kind == "scanner":
                    parts[name] = scanner = value.__new__(value)
                    scanner.grams = {}
                elif kind == "attr":
                    setattr(parts[name], *value)
                elif kind == "text":
                    pieces.setdefault((name, value[0]), []).append(value[1])
                else:
                    parts[name].grams.update(value)
                time.sleep(0)
        for (name, attr), text in pieces.items():
            setattr(parts[name], attr, "".join(text))
            time.sleep(0)
        stamp = parts.pop("stamp")
        loaded = DirectoryIndex(**parts)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a torn or foreign file is no index; the worker writes a new one
        log.warning("directory index file %s is unreadable", path.name)
        return None
    del parts, pieces, unpickler
    # The records and the pieces of the joined strings are freed between the index's arrays: 40 MB of holes at
    # 50,000 that glibc would keep on top of the 70 MB index itself.
    give_back_memory()
    return stamp, loaded


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
    write(path, stamp, index)
    for old in sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_FILES:]:
        old.unlink(missing_ok=True)
    log.info("directory index published: %d entries, %s", len(index), path.name)
    return path


def write(path: Path, stamp: tuple, index: Any) -> None:
    """The file ``load`` reads: written aside, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.parent / f".{path.name}.{secrets.token_hex(4)}"
    with scratch.open("wb") as file:
        pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)  # one memo: shared strings once
        for record in _records(stamp, index):
            pickler.dump(record)
    os.replace(scratch, path)


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
        written = publish(session, folder_for(env.settings))
        session.rollback()
    if written is not None:
        # The build's rows and scratch tables are freed by now, but glibc keeps the pages for reuse: without
        # this the worker stayed at its build's peak (450 MB after a 50,000 import) until the next build.
        give_back_memory()


registry.every(EVERY_SECONDS, KIND)
