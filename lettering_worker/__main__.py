"""``python -m lettering_worker [--concurrency N] [--once]``: run the worker, for every area's jobs.

Settings come from ``core.settings.load_settings()`` (instance folder and environment), the same as the
web app's. SIGTERM or Ctrl-C finishes the jobs in flight, releases the leases and exits.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys

from core.lettering import kakao_sim_file
from core.settings import load_settings
from lettering_worker.worker import Worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lettering_worker", description="The portal's job worker")
    parser.add_argument("--concurrency", type=int, default=None, help="jobs run at once (WORKER_CONCURRENCY)")
    parser.add_argument("--once", action="store_true", help="work until no job is due, then exit")
    parser.add_argument("--lease-seconds", type=int, default=30,
                        help="how long a claimed job stays leased; a killed worker's jobs return after it")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines add nothing to our own log
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    worker = Worker(load_settings(), concurrency=args.concurrency, lease_seconds=args.lease_seconds)
    with worker.factory() as session:   # a development stack's Kakao simulator learns the console's templates
        kakao_sim_file.write(session, worker.env.settings)

    def stop(signum, _frame) -> None:
        logging.getLogger("worker").info("signal %d: finishing the jobs in flight", signum)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run(once=args.once)
    return 0


if __name__ == "__main__":
    sys.exit(main())
