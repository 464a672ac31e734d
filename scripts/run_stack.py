"""Start the whole system for `make run`: the web app (gunicorn with gunicorn.conf.py), the lettering worker
and the provider simulators, each line of their output prefixed with the process's name.

A process that dies is started again, after a pause that doubles with each quick death (1 s, 2 s, 4 s, ...,
30 s at most): "worker exited with 1; restarting in 2 s". One that had run for RAPID_SECONDS counts as
healthy and its count starts again. After MAX_RAPID_CRASHES quick deaths in a row run_stack gives up, stops
everything and exits 1, since a process that cannot stay up needs a person. Ctrl-C (or SIGTERM) stops all.

`--table FILE` runs another set of processes, a JSON object {"name": ["program", "arg", ...]}.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "5000"))

RAPID_SECONDS = 30.0      # a death sooner than this after starting is a quick one
MAX_RAPID_CRASHES = 5     # quick deaths in a row before giving up
FIRST_DELAY, MAX_DELAY = 1.0, 30.0
STOP_SECONDS = 40.0       # gunicorn's graceful_timeout is 30 s; the worker finishes its jobs in flight
_print_lock = threading.Lock()


def say(name: str, text: str) -> None:
    with _print_lock:
        sys.stdout.write(f"{name:>10} | {text}\n")
        sys.stdout.flush()


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float = 0.0


# The demo's settings where they differ from the built-in defaults (docs/configuration.md): 10 % of calls are
# held out, so the statistics page has a comparison to show. The environment or instance/config.py wins.
DEMO_SETTINGS = {"LETTERING_HOLDOUT_PERCENT": "10"}


def demo_settings(instance: Path) -> dict[str, str]:
    config = instance / "config.py"
    text = config.read_text() if config.exists() else ""
    # The console's AlimTalk templates reach the Kakao simulator through this file (core.lettering.kakao_sim_file).
    wanted = {**DEMO_SETTINGS, "KAKAO_SIM_TEMPLATES_FILE": str(instance / "kakao-sim-templates.json")}
    return {key: value for key, value in wanted.items()
            if key not in os.environ and not any(line.lstrip().startswith(key) for line in text.splitlines())}


def default_table() -> list[Child]:
    instance = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")
    demo = demo_settings(instance)
    # gunicorn's workers each count requests; with this directory /metrics sums them (gunicorn.conf.py)
    web_env = {"GUNICORN_BIND": f"{HOST}:{PORT}",
               "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(instance / "prometheus"),
               **demo}
    return [Child("web", [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")], web_env),
            Child("simulators", [sys.executable, "-m", "lettering_worker.simulators"], dict(demo)),
            Child("worker", [sys.executable, "-m", "lettering_worker"], dict(demo))]


def table_from(path: Path) -> list[Child]:
    return [Child(name, list(argv)) for name, argv in json.loads(path.read_text()).items()]


def pump(name: str, stream: IO[str]) -> None:
    for line in iter(stream.readline, ""):
        say(name, line.rstrip("\n"))


def start(child: Child) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **child.env}
    child.proc = subprocess.Popen(child.argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
    child.started = time.monotonic()
    threading.Thread(target=pump, args=(child.name, child.proc.stdout), daemon=True).start()


def how_it_ended(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with {code}"


class Stop:
    """Set from a signal handler, so a plain attribute: an Event's lock could be held by the interrupted code."""
    requested = False


def supervise(children: list[Child], stop: Stop) -> bool:
    """Restart children that die until asked to stop (True) or one keeps dying (False)."""
    while not stop.requested:
        time.sleep(0.2)
        now = time.monotonic()
        for child in children:
            if child.proc is None:
                if now >= child.restart_at:
                    start(child)
                continue
            code = child.proc.poll()
            if code is None or stop.requested:
                continue
            child.quick_deaths = child.quick_deaths + 1 if now - child.started < RAPID_SECONDS else 1
            if child.quick_deaths >= MAX_RAPID_CRASHES:
                say("stack", f"{child.name} {how_it_ended(code)}; {child.quick_deaths} quick exits in a row, "
                             "giving up and stopping everything")
                return False
            delay = min(FIRST_DELAY * 2 ** (child.quick_deaths - 1), MAX_DELAY)
            say("stack", f"{child.name} {how_it_ended(code)}; restarting in {delay:g} s")
            child.proc, child.restart_at = None, now + delay
    return True


def stop_all(children: list[Child]) -> None:
    running = [c.proc for c in children if c.proc is not None and c.proc.poll() is None]
    for proc in running:
        proc.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for proc in running:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/run_stack.py", description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, help='JSON {"name": [argv...]} to run instead of the system')
    args = parser.parse_args(argv)
    children = table_from(args.table) if args.table else default_table()
    stop = Stop()

    def request_stop(*_args) -> None:
        stop.requested = True

    # Ctrl-C reaches the children too (one process group): they stop on their own, none is restarted.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    for child in children:
        start(child)
    if not args.table:
        password = os.environ.get("DEMO_PASSWORD", "goyang2026!")
        with _print_lock:
            print(f"\n  고양 스마트행정 포털: http://{HOST}:{PORT}\n"
                  f"  관리자: admin / {password}    직원: staff / {password}\n"
                  f"  콘솔: http://{HOST}:{PORT}/admin/    (Ctrl-C to stop)\n", flush=True)
    healthy = supervise(children, stop)
    stop_all(children)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
