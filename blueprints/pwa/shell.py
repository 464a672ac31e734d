"""What the service worker is built from: the files it precaches and the build id that changes
whenever the app version or one of those files changes.

Both come from file contents and relative paths only (``web.static_files``), never from absolute paths
or modification times: two checkouts of one commit serve byte-identical workers.
"""
from __future__ import annotations

import hashlib

from web.static_files import StaticBuild

# What the shell pages (/, /directory, /more and /offline) load: stylesheets, scripts and the
# images they show. Console, viewer and citizens' assets are never needed offline; manifest icons
# are fetched by the browser itself when it installs. tests/pwa/test_shell.py checks this list
# against the static URLs those pages really reference.
SHELL_FILES = (
    "css/app.css", "css/directory.css", "css/pwa.css", "css/emergency.css", "css/menu.css",  # home cards' styles
    "js/app.js", "js/directory.js", "js/directory-offline.js", "js/home.js", "js/push.js", "vendor/htmx.min.js",
    "icons/icon-192.png", "icons/nav.svg",
)


def shell_files(static_build: StaticBuild) -> list[str]:
    """The shell files this build has, as paths relative to the static folder."""
    return [name for name in SHELL_FILES if name in static_build.digests]


def build_id(version: str, static_build: StaticBuild) -> str:
    """The app version plus a digest of the shell files' relative paths and contents.

    A deploy that changes either gives the worker script new bytes, which is what makes
    browsers install the new worker and the page offer the update.
    """
    digest = hashlib.sha256(version.encode())
    for name in shell_files(static_build):
        digest.update(f"{name}\0{static_build.digests[name]}\n".encode())
    return f"{version}-{digest.hexdigest()[:12]}"
