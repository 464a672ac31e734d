"""The staff home, the app's health check and the bottom-navigation sections."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from blueprints.main import routes  # noqa: F401
