from flask import current_app, jsonify, render_template
from flask_login import login_required
from sqlalchemy import text

from blueprints.main import bp
from extensions import db


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database, status = "ok", 200
    except Exception as exc:  # noqa: BLE001 - the health check reports, it does not fail
        current_app.logger.warning("health check: database unavailable: %s", exc.__class__.__name__)
        database, status = "unavailable", 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "version": current_app.config["VERSION"],
                    "database": database}), status


@bp.get("/")
@login_required
def home():
    return render_template("main/home.html")


@bp.get("/more")
@login_required
def more():
    return render_template("main/more.html")


@bp.get("/board")
@login_required
def board():
    return render_template("main/coming_soon.html", section="board")


@bp.get("/duty")
@login_required
def duty():
    return render_template("main/coming_soon.html", section="duty")
