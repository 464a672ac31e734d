"""The words and links of ``directory/_contact.html``, translated and built once a request.

A page of results renders the contact macro 30 times; each time it called gettext five times and url_for four
times, which was 70 % of the page's rendering (issue 14). The macro now formats these strings instead: each
is escaped once into Markup here, and ``Markup % values`` escapes the values.
"""
from __future__ import annotations

from flask import g, url_for
from flask_babel import gettext
from markupsafe import Markup, escape

_PROBE = 999_999_999   # an id no one has, replaced by "%d" in the built paths


def _path(endpoint: str) -> Markup:
    return escape(url_for(endpoint, person_id=_PROBE).replace(str(_PROBE), "%d"))


def contact_texts() -> dict[str, Markup]:
    texts = g.get("directory_contact_texts")
    if texts is None:
        texts = g.directory_contact_texts = {
            "detail": _path("directory.detail"),
            "recent": _path("directory.record_recent"),
            "favourite": escape(gettext("즐겨찾기")),
            "extension": escape(gettext("내선 %(ext)s")),
            "call": escape(gettext("%(name)s 직통전화 %(phone)s 걸기")),
            "call_mobile": escape(gettext("휴대 %(phone)s 걸기 (%(name)s)")),
            "text": escape(gettext("문자 보내기 (%(name)s)")),
            "mobile": escape(gettext("휴대")),
            "sms": escape(gettext("문자")),
        }
    return texts
