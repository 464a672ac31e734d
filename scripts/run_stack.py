"""Start the whole system for `make run`: web app, lettering worker and provider simulators.

Each process's output is prefixed with its name; Ctrl-C (or SIGTERM) stops them all,
and if one exits the rest are stopped too.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "5000"))


def processes() -> dict[str, list[str]]:
    return {
        "web": [str(BIN / "gunicorn"), "--bind", f"{HOST}:{PORT}", "--workers", "2", "--threads", "8",
                "--access-logfile", "-", "app:create_app()"],
        "simulators": [sys.executable, "-m", "lettering_worker.simulators"],
        "worker": [sys.executable, "-m", "lettering_worker"],
    }


def pump(name: str, stream) -> None:
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:>10} | {line}")
        sys.stdout.flush()


def main() -> int:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    running: dict[str, subprocess.Popen] = {}
    for name, cmd in processes().items():
        running[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True)
        threading.Thread(target=pump, args=(name, running[name].stdout), daemon=True).start()
    demo_password = os.environ.get("DEMO_PASSWORD", "goyang2026!")
    print(f"\n  고양 스마트행정 포털: http://{HOST}:{PORT}\n"
          f"  관리자: admin / {demo_password}    직원: staff / {demo_password}\n"
          f"  콘솔: http://{HOST}:{PORT}/admin/    (Ctrl-C to stop)\n", flush=True)
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping and all(p.poll() is None for p in running.values()):
        time.sleep(0.5)
    for proc in running.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in running.values():
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
