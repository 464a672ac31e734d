"""Two checkouts of one commit, in different folders and with different file times, serve the same
/sw.js byte for byte: its version comes from file contents and relative paths only."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a checkout needs to serve pages; tests, local state and tooling stay behind.
SKIP = shutil.ignore_patterns(".git", ".venv", "instance", "tests", "bench", "docs", "__pycache__", "*.pyc", "*.db",
                              ".pytest_cache", ".ruff_cache", "node_modules")

SERVE = r"""
import base64, json, sys
from pathlib import Path
import app as app_module
assert Path(app_module.__file__).resolve().parent == Path.cwd().resolve(), app_module.__file__
instance = Path.cwd() / "instance"
application = app_module.create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                                     "DATABASE_URL": f"sqlite:///{instance / 'test.db'}",
                                     "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
client = application.test_client()
worker = client.get("/sw.js", headers={"Accept-Encoding": "identity"})
zipped = client.get("/sw.js", headers={"Accept-Encoding": "gzip"})
login = client.get("/login").get_data(as_text=True)
print(json.dumps({"sw": base64.b64encode(worker.get_data()).decode(), "etag": worker.headers["ETag"],
                  "gz": base64.b64encode(zipped.get_data()).decode(), "css": login.count("/static/css/app.")}))
"""


def _checkout(target: Path, mtime: float | None = None) -> Path:
    shutil.copytree(ROOT, target, ignore=SKIP)
    if mtime is not None:
        for path in target.rglob("*"):
            os.utime(path, (mtime, mtime))
    return target


def _serve(checkout: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANCE_PATH", "DATABASE_URL"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run([sys.executable, "-c", SERVE], cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_checkouts_serve_byte_identical_workers(tmp_path):
    first = _serve(_checkout(tmp_path / "one" / "portal"))
    second = _serve(_checkout(tmp_path / "elsewhere" / "deeper" / "portal", mtime=1_000_000_000))
    assert first["css"] == second["css"] == 1
    assert first["sw"] == second["sw"] and first["etag"] == second["etag"]
    assert first["gz"] == second["gz"]
    script = base64.b64decode(first["sw"]).decode()
    assert str(tmp_path) not in script and "/static/css/app." in script

    # A changed shell file is a new worker.
    third = _checkout(tmp_path / "three" / "portal")
    with (third / "static" / "js" / "app.js").open("a") as handle:
        handle.write("\n// changed\n")
    changed = _serve(third)
    assert changed["sw"] != first["sw"]
    assert base64.b64decode(changed["sw"]).decode().split("var BUILD = ", 1)[1][:40] != \
        script.split("var BUILD = ", 1)[1][:40]
