from flask import render_template
from flask_login import login_required

from blueprints.directory import bp


@bp.get("/directory")
@login_required
def index():
    return render_template("directory/index.html")
