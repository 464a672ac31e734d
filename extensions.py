"""Flask extensions, created unbound and attached in ``create_app`` (the flaskr pattern)."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from core.db import Base

# The models live in core/ on a plain SQLAlchemy base, so the worker can use them
# without Flask; Flask-SQLAlchemy only supplies the request-scoped session.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
