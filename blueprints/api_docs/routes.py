"""Serves ``openapi.json`` (next to this file) with the running version filled in."""
from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, jsonify

from blueprints.api_docs import bp

SPEC_PATH = Path(__file__).with_name("openapi.json")


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def document() -> dict[str, Any]:
    """The document as served: the file, with ``info.version`` the app's version."""
    spec = copy.deepcopy(_spec())
    spec["info"]["version"] = current_app.config["VERSION"]
    return spec


@bp.get("/api/openapi.json")
def openapi():
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
