from flask import current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import text

from blueprints.main import bp
from core import health
from core.timeutil import utcnow
from extensions import db
from web.home import home_context as home_cards
from web.read_only import reads_only


@bp.get("/healthz")
@reads_only
def healthz():
    """Readiness of the whole service: the database, a worker that beat in the last minute and a queue
    that keeps up. ``?check=db`` checks only the database, for a web process's liveness probe (and
    callers that run no worker). 503 with ``problems`` listing what is wrong."""
    config = current_app.config
    body: dict = {"version": config["VERSION"]}
    problems: list[str] = []
    try:
        if request.args.get("check") == "db":
            db.session.execute(text("SELECT 1"))
            body["database"] = "ok"
        else:   # the snapshot's one statement proves the database as well
            snap = health.snapshot(db.session, max_lag_seconds=float(config["HEALTH_MAX_LAG_SECONDS"]))
            body["database"] = "ok"
            body["worker"] = {"last_heartbeat": snap.last_heartbeat.isoformat() if snap.last_heartbeat else None,
                              "seconds_since": None if snap.seconds_since is None else round(snap.seconds_since, 1),
                              "live_workers": snap.live_workers}
            body["queue"] = {"lag_seconds": round(snap.lag_seconds, 1), "due": snap.due, "dead": snap.dead}
            problems = snap.problems
    except Exception as exc:  # noqa: BLE001 - the health check reports, it does not fail
        current_app.logger.warning("health check: database unavailable: %s", exc.__class__.__name__)
        body["database"] = "unavailable"
        problems = ["database_unavailable"]
    finally:
        db.session.rollback()  # end the read transaction: a probe every few seconds must not hold one
    body["status"] = "degraded" if problems else "ok"
    if problems:
        body["problems"] = problems
    return jsonify(body), 503 if problems else 200


@bp.get("/")
@reads_only
@login_required
def home():
    """홈, the day at a glance: each registered card's context (one query each at most), then the page."""
    cards, variables = home_cards(db.session, current_user)
    return render_template("main/home.html", home_cards=cards, rendered_at=utcnow(), **variables)


@bp.get("/more")
@reads_only
@login_required
def more():
    return render_template("main/more.html")

