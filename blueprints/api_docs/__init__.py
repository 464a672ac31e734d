"""The OpenAPI 3.1 description of every /api/ route: ``GET /api/openapi.json`` (public: it describes the
contracts, holds no data, and the machines that call the webhooks have no account)."""
from flask import Blueprint

bp = Blueprint("api_docs", __name__)

from blueprints.api_docs import routes  # noqa: F401
