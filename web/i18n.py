"""Locale and timezone selection: Korean first, English as a per-user choice; the templates' gettext."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.support import NullTranslations
from flask import Flask, request, session
from flask_babel import get_translations, gettext, pgettext
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

LOCALES = ("ko", "en")


def select_locale() -> str:
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("lang") in LOCALES:
        return session["lang"]
    return request.accept_languages.best_match(LOCALES, default="ko") if request else "ko"


def select_timezone() -> str:
    return "Asia/Seoul"


def translated(detail: Mapping[str, Any]) -> str:
    """A message from core as ``{"msgid", "params"}`` (e.g. ``DocumentError.detail``) in the reader's
    language; parameters that are themselves such messages are translated too."""
    params = {name: translated(value) if isinstance(value, Mapping) else value
              for name, value in (detail.get("params") or {}).items()}
    msgid = detail["msgid"]   # a variable, not the subscript, so that pybabel does not extract "msgid"
    if context := detail.get("context"):
        return pgettext(context, msgid, **params)
    return gettext(msgid, **params)


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_``, ``ngettext`` and ``pgettext`` with the catalogue looked up once per rendered
    template, not once per string.

    Flask-Babel's own callables find the request's locale and catalogue again on every call: half a dozen
    context-local lookups for each of the 30 to 50 strings of a page, a third of its rendering (issue 14).
    The catalogue is kept on the template's evaluation context, which Jinja makes for each render and which
    exists for extensions to attach such things to; a render belongs to one request and one locale."""
    app.jinja_env.install_gettext_callables(
        gettext=pass_context(lambda context, s: _catalogue(context).ugettext(s)),
        ngettext=pass_context(lambda context, s, p, n: _catalogue(context).ungettext(s, p, n)),
        pgettext=pass_context(lambda context, c, s: _catalogue(context).upgettext(c, s)),
        npgettext=pass_context(lambda context, c, s, p, n: _catalogue(context).unpgettext(c, s, p, n)),
        newstyle=True)


def _catalogue(context: Context) -> NullTranslations:
    evaluation = context.eval_ctx
    found = getattr(evaluation, "catalogue", None)
    if found is None:
        found = evaluation.catalogue = get_translations()
    return found
