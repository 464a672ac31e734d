"""Static files (web/static_files.py): hashed names from url_for, gzip and Brotli copies built once per
content, a year of immutable caching for hashed names, a short one for plain names, HTML never cached."""
from __future__ import annotations

import gzip
import re
import threading
from pathlib import Path

import brotli
import pytest

from web import static_files
from web.static_files import IMMUTABLE, build, current, hashed_name

ROOT = Path(__file__).resolve().parents[2]
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"#]+)')   # with any query: the hashed name alone is the URL


def test_hashed_names_put_the_digest_before_the_last_suffix():
    digest = "3f9a1c2b" + "0" * 56
    assert hashed_name("css/app.css", digest) == "css/app.3f9a1c2b.css"
    assert hashed_name("vendor/htmx.min.js", digest) == "vendor/htmx.min.3f9a1c2b.js"
    assert hashed_name("LICENSE", digest) == "LICENSE.3f9a1c2b"
    assert hashed_name(".env", digest) == ".env.3f9a1c2b"


def test_templates_link_hashed_urls(client, app):
    html = client.get("/login").get_data(as_text=True)
    names = current(app).names
    linked = STATIC_URL.findall(html)
    assert linked, "the login page links static files"
    for url in linked:
        assert url[len("/static/"):] in names.values(), url
    assert f'/static/{names["css/app.css"]}' in html and f'/static/{names["vendor/htmx.min.js"]}' in html
    assert re.fullmatch(r"css/app\.[0-9a-f]{8}\.css", names["css/app.css"])


@pytest.mark.parametrize("accept, encoding, decode", [
    ("gzip, deflate, br", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
    ("identity", None, bytes),
])
def test_hashed_files_are_compressed_and_cached_for_a_year(client, app, accept, encoding, decode):
    source = (ROOT / "static" / "js" / "app.js").read_bytes()
    response = client.get(f"/static/{current(app).names['js/app.js']}", headers={"Accept-Encoding": accept})
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert decode(body) == source
    if encoding:
        assert len(body) < len(source) / 2
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Encoding" in response.headers["Vary"]


def test_plain_urls_still_answer_with_a_short_cache(client):
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "br"})
    response.close()
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == f"public, max-age={static_files.SHORT_MAX_AGE}"
    assert "immutable" not in response.headers["Cache-Control"]


def test_static_answers_carry_no_cookie_even_for_a_signed_in_user(client, app, make_user, login):
    make_user("kim")
    login("kim")
    for url in ("/static/css/app.css", f"/static/{current(app).names['icons/icon-192.png']}"):
        response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        response.close()
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_missing_static_file_is_a_404(client):
    assert client.get("/static/css/missing.3f9a1c2b.css").status_code == 404


def test_html_is_never_cached(client, make_user, login):
    assert client.get("/login").headers["Cache-Control"] == "private, no-cache"
    make_user("kim")
    login("kim")
    home = client.get("/")
    assert home.status_code == 200
    assert "no-cache" in home.headers["Cache-Control"] or "no-store" in home.headers["Cache-Control"]


def test_a_page_that_chose_no_store_keeps_it(app):
    app.add_url_rule("/test-no-store", "test_no_store", lambda: ("<p>x</p>", 200, {"Cache-Control": "no-store"}))
    assert app.test_client().get("/test-no-store").headers["Cache-Control"] == "no-store"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_build_is_reused_while_nothing_changed(tmp_path):
    static = _tree(tmp_path / "static", {"css/a.css": "body{color:red}" * 100, "icons/i.png": "png"})
    first = build(static, tmp_path / "build")
    assert sorted(p.name for p in first.root.rglob("*") if p.is_file()) == sorted(
        ["manifest.json", Path(first.names["css/a.css"]).name, Path(first.names["css/a.css"]).name + ".br",
         Path(first.names["css/a.css"]).name + ".gz", Path(first.names["icons/i.png"]).name])
    written = {p: p.stat().st_mtime_ns for p in first.root.rglob("*") if p.is_file()}

    again = build(static, tmp_path / "build")
    assert again == first
    assert {p: p.stat().st_mtime_ns for p in again.root.rglob("*") if p.is_file()} == written  # nothing rewritten

    (static / "css" / "a.css").write_text("body{color:blue}" * 100)
    changed = build(static, tmp_path / "build")
    assert changed.root != first.root and changed.names["css/a.css"] != first.names["css/a.css"]
    assert changed.names["icons/i.png"] == first.names["icons/i.png"]


def test_old_builds_are_pruned(tmp_path):
    static = _tree(tmp_path / "static", {"a.css": "0"})
    roots = []
    for n in range(static_files.KEEP_BUILDS + 3):
        (static / "a.css").write_text(str(n))
        roots.append(build(static, tmp_path / "build").root)
    kept = sorted(p for p in (tmp_path / "build").iterdir())
    assert roots[-1] in kept and len(kept) == static_files.KEEP_BUILDS + 1
    assert roots[0] not in kept


def test_processes_starting_together_share_one_build(tmp_path):
    static = _tree(tmp_path / "static", {f"js/{n}.js": f"var x{n} = 1;" * 200 for n in range(20)})
    results, errors = [], []

    def start() -> None:
        try:
            results.append(build(static, tmp_path / "build"))
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r.root for r in results}) == 1
    assert [p.name for p in (tmp_path / "build").iterdir()] == [results[0].root.name]
