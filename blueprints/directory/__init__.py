"""Staff directory: search, detail, favourites, voice dialling and the import."""
from flask import Blueprint

bp = Blueprint("directory", __name__)

from blueprints.directory import routes  # noqa: F401
