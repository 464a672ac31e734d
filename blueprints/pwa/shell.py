"""What the service worker is built from: the files it precaches and the build id that
changes whenever the app version or any of those files changes."""
from __future__ import annotations

import hashlib
from pathlib import Path

# Static folders that make up the app shell; everything in them is small and public.
SHELL_DIRS = ("css", "js", "vendor", "icons")
# Anything bigger is not worth holding on every phone before it is used.
MAX_PRECACHE_BYTES = 512 * 1024


def shell_files(static_folder: str) -> list[Path]:
    root = Path(static_folder)
    files = []
    for folder in SHELL_DIRS:
        base = root / folder
        if base.is_dir():
            files += [p for p in sorted(base.rglob("*"))
                      if p.is_file() and not p.name.startswith(".") and p.stat().st_size <= MAX_PRECACHE_BYTES]
    return files


def static_urls(static_folder: str, static_url_path: str) -> list[str]:
    root = Path(static_folder)
    return [f"{static_url_path}/{p.relative_to(root).as_posix()}" for p in shell_files(static_folder)]


def build_id(version: str, static_folder: str) -> str:
    """The app version plus a digest of the shell files' sizes and modification times.

    A deploy that changes either gives the worker script new bytes, which is what makes
    browsers install the new worker and the page offer the update.
    """
    digest = hashlib.sha256(version.encode())
    for path in shell_files(static_folder):
        stat = path.stat()
        digest.update(f"{path.as_posix()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{version}-{digest.hexdigest()[:12]}"
