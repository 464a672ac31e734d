"""Static files the way WhiteNoise serves them: content-hashed names cached for a year, gzip and
Brotli copies, and ``url_for('static', ...)`` pointing at the hashed name.

The hashed copies and their compressed forms are built once per content into
``instance/static-build/<key>/`` (the key is a digest of every file's relative path and content) and
reused while nothing changed, so a restart only reads and hashes the files (a few milliseconds).
WhiteNoise answers ``/static/...`` before Flask runs, so static answers carry no session cookie,
no ``Vary: Cookie`` and none of the page headers.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

# Hex digits of the content digest in a hashed name (css/app.3f9a1c2b.css).
HASH_LENGTH = 8
IMMUTABLE = "public, max-age=31536000, immutable"
# Unhashed names still answer, briefly cached: pages and service workers of an earlier build ask for them.
SHORT_MAX_AGE = 60
# Pages must be asked for again each time; a view that already chose (no-store) keeps its choice.
HTML_CACHE_CONTROL = "private, no-cache"
BUILD_FOLDER = "static-build"
MANIFEST = "manifest.json"
# Builds kept besides the current one, for a process of the previous deploy still running.
KEEP_BUILDS = 3
# A half-written build older than this was left by a process that died.
STALE_TMP_SECONDS = 3600


@dataclass(frozen=True)
class StaticBuild:
    root: Path              # the folder holding the hashed files and their .gz/.br copies
    names: dict[str, str]   # "css/app.css" -> "css/app.3f9a1c2b.css"
    digests: dict[str, str]  # "css/app.css" -> sha256 of its content

    def url_path(self, relative: str) -> str:
        return self.names.get(relative, relative)


def hashed_name(relative: str, digest: str) -> str:
    """``css/app.css`` -> ``css/app.3f9a1c2b.css``; the digest goes before the last suffix."""
    folder, _, name = relative.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    tag = digest[:HASH_LENGTH]
    hashed = f"{stem}.{tag}.{suffix}" if dot and stem else f"{name}.{tag}"
    return f"{folder}/{hashed}" if folder else hashed


def file_digests(static_folder: str | Path) -> dict[str, str]:
    """Relative POSIX path -> sha256 of the content, for every file under the folder (dot files aside)."""
    root = Path(static_folder)
    digests = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def build_key(digests: dict[str, str]) -> str:
    listing = "".join(f"{name}\0{digest}\n" for name, digest in sorted(digests.items()))
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


def build(static_folder: str | Path, build_root: str | Path) -> StaticBuild:
    """The build for the folder's current content: reused when one exists, else made now."""
    digests = file_digests(static_folder)
    names = {relative: hashed_name(relative, digest) for relative, digest in digests.items()}
    root = Path(build_root)
    target = root / build_key(digests)
    if not (target / MANIFEST).is_file():
        _make(Path(static_folder), root, target, names)
    os.utime(target)  # recently used: pruning keeps it
    _prune(root, keep=target)
    return StaticBuild(root=target, names=names, digests=digests)


def _make(source: Path, root: Path, target: Path, names: dict[str, str]) -> None:
    # Written aside and renamed into place, so that a process starting at the same moment (gunicorn
    # starts its workers together) never serves a half-made build.
    root.mkdir(parents=True, exist_ok=True)
    scratch = root / f".tmp-{target.name}-{uuid.uuid4().hex}"
    compressor = Compressor(quiet=True)
    for relative, hashed in names.items():
        copy = scratch / hashed
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, copy)
        if compressor.should_compress(hashed):
            compressor.compress(str(copy))
    (scratch / MANIFEST).write_text(json.dumps(names, indent=1, sort_keys=True))
    try:
        scratch.rename(target)
    except OSError:
        if not (target / MANIFEST).is_file():
            raise
        shutil.rmtree(scratch, ignore_errors=True)  # another process finished the same build first


def _prune(root: Path, keep: Path) -> None:
    # "Now" as the file system tells it (keep was just touched): tests may move Python's clock.
    now = keep.stat().st_mtime
    builds = []
    for entry in root.iterdir():
        try:
            modified = entry.stat().st_mtime
        except FileNotFoundError:
            continue  # another process has just renamed or removed it
        if entry.name.startswith(".tmp-"):
            if now - modified > STALE_TMP_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_dir() and entry != keep:
            builds.append((modified, entry))
    builds.sort(reverse=True)
    for _modified, old in builds[KEEP_BUILDS:]:
        shutil.rmtree(old, ignore_errors=True)


class StaticFiles(WhiteNoise):
    """WhiteNoise over one build: the hashed URL cached for a year, the plain URL briefly."""

    def __init__(self, application, static_build: StaticBuild, prefix: str) -> None:
        super().__init__(application, max_age=SHORT_MAX_AGE, allow_all_origins=False,
                         add_headers_function=_nosniff)
        prefix = prefix.rstrip("/") + "/"
        self.immutable_urls = {prefix + hashed for hashed in static_build.names.values()}
        for relative, hashed in static_build.names.items():
            path = str(static_build.root / hashed)
            for url in (prefix + hashed, prefix + relative):
                self.files[url] = self.get_static_file(path, url)

    def add_cache_headers(self, headers, path: str, url: str) -> None:
        headers["Cache-Control"] = IMMUTABLE if url in self.immutable_urls else f"public, max-age={SHORT_MAX_AGE}"


def _nosniff(headers, path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def current(app: Flask) -> StaticBuild:
    return app.extensions["static_build"]


def init_app(app: Flask) -> None:
    if not app.static_folder or not app.static_url_path:
        return
    static_build = build(app.static_folder, Path(app.instance_path) / BUILD_FOLDER)
    app.extensions["static_build"] = static_build
    app.wsgi_app = StaticFiles(app.wsgi_app, static_build, app.static_url_path)

    @app.url_defaults
    def _hashed_static_url(endpoint: str, values: dict) -> None:
        # Every url_for("static", filename=...) in templates and code gets the hashed name.
        if endpoint == "static" and values.get("filename") in static_build.names:
            values["filename"] = static_build.names[values["filename"]]

    @app.after_request
    def _html_not_cached(response: Response) -> Response:
        if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = HTML_CACHE_CONTROL
        return response
