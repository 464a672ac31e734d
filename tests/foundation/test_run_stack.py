"""scripts/run_stack.py supervises a process table: a process that dies is restarted with a growing pause,
one that keeps dying stops everything, and SIGINT stops all (tiny Python processes); and gunicorn.conf.py,
with which it starts the web app."""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Prints its pid, then lives until stopped.
SLEEPER = [sys.executable, "-c", "import os, time; print('up', os.getpid(), flush=True); time.sleep(600)"]


class Stack:
    """run_stack.py on a table of our own, its output read line by line."""

    def __init__(self, tmp_path: Path, table: dict[str, list[str]]) -> None:
        path = tmp_path / "table.json"
        path.write_text(json.dumps(table))
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_stack.py"), "--table", str(path)],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 20) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} in {self.seen}")

    def rest(self) -> list[str]:
        """The lines not read yet, once run_stack has exited."""
        self.proc.wait(10)
        time.sleep(0.2)  # the reader thread takes the last lines off the pipe
        lines = []
        while not self.lines.empty():
            lines.append(self.lines.get())
        self.seen.extend(lines)
        return lines

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie awaiting its parent is not running
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_killed_process_is_restarted_and_sigint_stops_all(tmp_path):
    stack = Stack(tmp_path, {"sleeper": SLEEPER, "other": SLEEPER})
    try:
        first = int(stack.expect(r"sleeper \| up (\d+)").group(1))
        os.kill(first, signal.SIGKILL)
        stack.expect(r"stack \| sleeper was killed by SIGKILL; restarting in 1 s")
        second = int(stack.expect(r"sleeper \| up (\d+)").group(1))
        assert second != first and alive(second)

        os.kill(stack.proc.pid, signal.SIGINT)  # as Ctrl-C: run_stack stops every child, none is restarted
        assert stack.proc.wait(20) == 0
        assert not alive(second)
        after = stack.rest()
        assert not any("restarting" in line for line in after), after
    finally:
        stack.close()


@pytest.mark.slow
def test_a_process_that_keeps_dying_stops_everything(tmp_path):
    crasher = [sys.executable, "-c", "import sys; print('failing', flush=True); sys.exit(3)"]
    stack = Stack(tmp_path, {"sleeper": SLEEPER, "crasher": crasher})
    try:
        sleeper = int(stack.expect(r"sleeper \| up (\d+)").group(1))
        started = time.monotonic()
        for delay in (1, 2, 4, 8):  # the pause doubles after each quick exit
            stack.expect(rf"stack \| crasher exited with 3; restarting in {delay} s")
        stack.expect(r"stack \| crasher exited with 3; 5 quick exits in a row, giving up and stopping everything")
        assert time.monotonic() - started >= 1 + 2 + 4 + 8 - 1
        assert stack.proc.wait(20) == 1
        assert not alive(sleeper)
        assert sum("crasher | failing" in line for line in stack.seen) == 5
    finally:
        stack.close()


@pytest.mark.slow
def test_gunicorn_conf_empties_the_metrics_folder_and_logs_no_query_string(app, app_config, tmp_path):
    """gunicorn.conf.py as run_stack and systemd use it: a previous run's metrics files are gone before the
    workers start, the hooks run, and an access line has the path but not the citizen's number."""
    prom = tmp_path / "prom"
    prom.mkdir()
    (prom / "counter_999999.db").write_bytes(b"left by a previous run")
    (prom / "notes.txt").write_text("not prometheus-client's")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INSTANCE_PATH": app_config["INSTANCE_PATH"], "DATABASE_URL": app_config["DATABASE_URL"],
           "PROMETHEUS_MULTIPROC_DIR": str(prom), "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/verify?n=01012345678", timeout=5) as reply:
                    assert reply.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.2)
        assert not (prom / "counter_999999.db").exists()
        assert (prom / "notes.txt").exists()
    finally:
        server.terminate()
        server.wait(40)
    text = log.read_text()
    assert re.search(r'"GET /verify HTTP/1.1" 200 \d+ [\d.]+s', text), text
    assert "01012345678" not in text
    assert "Exception" not in text and "Traceback" not in text, text
