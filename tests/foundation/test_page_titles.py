"""Every page an admin can open without parameters has a <title> that names it once, in either language:
no segment repeats ("Admin console · Admin console"), and the English one has no Korean left in its
fixed words (names from the data may stay Korean, but the pages crawled here have none in their titles)."""
from __future__ import annotations

import re

import pytest

from extensions import db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SKIP = ("/logout", "/static/", "/api/", "/sw.js", "/manifest", "/healthz", "/metrics", "/c/", "/duty/feed/")


def _pages(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(SKIP)})


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_titles_name_each_page_once(app, client, make_user, login, locale):
    make_user("boss", role="admin", locale=locale)
    login("boss")
    seen = {}
    for path in _pages(app):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        match = TITLE.search(response.get_data(as_text=True))
        if match is None:       # an htmx partial or a fragment has no title
            continue
        title = " ".join(match.group(1).split())
        segments = [s.strip() for s in title.split("·")]
        assert len(segments) == len(set(segments)), f"{path}: {title}"
        if locale == "en":
            assert not HANGUL.search(title), f"{path}: {title}"
        seen[path] = title
    db.session.rollback()
    assert len(seen) > 25 and seen["/admin/"] == ("관리 콘솔" if locale == "ko" else "Admin console")
