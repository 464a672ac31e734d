"""``python -m lettering_worker.simulators``: the carrier and Kakao stand-ins on loopback.

Keys and report secrets default to the project's own settings (``core.settings.load_settings()``), so
``make run`` needs no flags; delivery reports go to ``--report-to`` (default: PUBLIC_BASE_URL).
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from core.settings import load_settings
from lettering_worker.simulators import push_service
from lettering_worker.simulators.saeol import SaeolConfig, SaeolState, serve_saeol
from lettering_worker.simulators.server import SimConfig, Simulator, serve


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    p = argparse.ArgumentParser(prog="python -m lettering_worker.simulators")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--carrier-port", type=int, default=5081)
    p.add_argument("--kakao-port", type=int, default=5082)
    p.add_argument("--saeol-port", type=int, default=5083, help="the Saeol board feed (PROTOCOLS.md §4)")
    p.add_argument("--push-port", type=int, default=5084, help="a browser push service (PROTOCOLS.md §5)")
    p.add_argument("--unsupported", type=float, default=0.3, help="share of unsupported phones")
    p.add_argument("--not-subscriber", type=float, default=0.05, help="share of numbers on other carriers")
    p.add_argument("--kakao-nonuser", type=float, default=0.1, help="share of KakaoTalk non-users")
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--rate-429", type=float, default=0.0)
    p.add_argument("--rate-5xx", type=float, default=0.0)
    p.add_argument("--rate-timeout", type=float, default=0.0)
    p.add_argument("--fail-first", type=int, default=0, help="answer the first N requests of every key with 503")
    p.add_argument("--report-delay-ms", type=float, default=200.0)
    p.add_argument("--templates", default=str(settings.get("KAKAO_SIM_TEMPLATES_FILE") or ""),
                   help="JSON file of the registered AlimTalk templates, followed as it changes "
                        "(KAKAO_SIM_TEMPLATES_FILE; blank: the demo's two)")
    p.add_argument("--report-to", default=settings["PUBLIC_BASE_URL"],
                   help="the project's base URL for delivery reports ('' to send none)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per report would drown the rest
    config = SimConfig(carrier_api_key=settings["CARRIER_API_KEY"],
                       carrier_receipt_secret=settings["CARRIER_RECEIPT_SECRET"],
                       kakao_app_key=settings["KAKAO_APP_KEY"], kakao_secret_key=settings["KAKAO_SECRET_KEY"],
                       kakao_sender_key=settings["KAKAO_SENDER_KEY"],
                       kakao_report_secret=settings["KAKAO_REPORT_SECRET"], report_to=args.report_to,
                       unsupported=args.unsupported, not_subscriber=args.not_subscriber,
                       kakao_nonuser=args.kakao_nonuser, latency_ms=args.latency_ms, rate_429=args.rate_429,
                       rate_5xx=args.rate_5xx, rate_timeout=args.rate_timeout,
                       report_delay_ms=args.report_delay_ms, fail_first=args.fail_first,
                       templates_file=args.templates)
    carrier, kakao = serve(Simulator(config), args.host, args.carrier_port, args.kakao_port)
    logging.getLogger("lettering.simulators").info(
        "carrier on http://%s:%d, kakao on http://%s:%d, reports to %s", args.host, carrier.server_port,
        args.host, kakao.server_port, args.report_to or "(none)")
    try:
        saeol = serve_saeol(SaeolState(SaeolConfig(token=settings["SAEOL_TOKEN"])), args.host, args.saeol_port)
        logging.getLogger("lettering.simulators").info("saeol on http://%s:%d", args.host, saeol.server_port)
    except OSError as exc:   # a caller that only wants the carrier and Kakao (port 0 for those) must not fail
        saeol = None
        logging.getLogger("lettering.simulators").error("saeol not started on port %d: %s", args.saeol_port, exc)
    try:
        pusher, _ = push_service.start(args.host, args.push_port, args.latency_ms)
        logging.getLogger("lettering.simulators").info("push service on http://%s:%d", args.host, pusher.server_port)
    except OSError as exc:
        pusher = None
        logging.getLogger("lettering.simulators").error("push service not started on port %d: %s", args.push_port, exc)
    print(f"READY {carrier.server_port} {kakao.server_port} {saeol.server_port if saeol else 0} "
          f"{pusher.server_port if pusher else 0}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    carrier.shutdown()
    kakao.shutdown()
    if saeol is not None:
        saeol.shutdown()
    if pusher is not None:
        pusher.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
