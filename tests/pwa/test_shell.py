"""The installable shell: manifest, service worker script and offline page over real HTTP."""
import io
import json
import os
import re

from PIL import Image

from blueprints.pwa import shell
from extensions import db
from web.static_files import build, current


def test_manifest_has_what_install_needs(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["name"] == "고양 스마트행정"
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert manifest["lang"] == "ko"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    assert any(s["url"] == "/directory" for s in manifest["shortcuts"])


def test_manifest_icons_exist_with_their_declared_sizes(client):
    icons = json.loads(client.get("/manifest.webmanifest").get_data())["icons"]
    seen = set()
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        image = Image.open(io.BytesIO(response.get_data()))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        assert image.format == "PNG" and icon["type"] == "image/png"
        seen.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= seen


def test_every_page_links_the_manifest(client):
    html = client.get("/login").get_data(as_text=True)
    # With credentials, so that the manifest follows the language the user chose.
    assert '<link rel="manifest" href="/manifest.webmanifest" crossorigin="use-credentials">' in html


def test_manifest_follows_the_request_language(client):
    english = client.get("/manifest.webmanifest", headers={"Accept-Language": "en"})
    manifest = json.loads(english.get_data())
    assert manifest["lang"] == "en"
    assert (manifest["name"], manifest["short_name"]) == ("Goyang Smart Admin", "Smart Admin")
    assert manifest["description"].startswith("Mobile smart administration portal")
    assert manifest["shortcuts"][0]["name"] == "Contact search"
    assert {"Cookie", "Accept-Language"} <= set(english.vary)
    korean = json.loads(client.get("/manifest.webmanifest", headers={"Accept-Language": "ko"}).get_data())
    assert (korean["lang"], korean["name"], korean["shortcuts"][0]["name"]) == ("ko", "고양 스마트행정", "연락처 검색")
    assert english.headers["ETag"] != client.get("/manifest.webmanifest").headers["ETag"]


def test_manifest_follows_the_users_language_choice(client, make_user, login):
    make_user("eng", locale="en")
    login("eng")
    manifest = json.loads(client.get("/manifest.webmanifest", headers={"Accept-Language": "ko"}).get_data())
    assert (manifest["lang"], manifest["short_name"]) == ("en", "Smart Admin")


def test_service_worker_is_served_from_the_root_with_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    assert 'self.addEventListener("fetch"' in script and "SKIP_WAITING" in script and "skipWaiting()" in script
    # No template syntax may leak into the script.
    assert "{{" not in script and "{%" not in script


def _script_list(script: str, name: str) -> list[str]:
    return json.loads(script.split(f"var {name} = ", 1)[1].split(";", 1)[0])


def test_service_worker_precaches_shell_files_that_exist(client, app):
    script = client.get("/sw.js").get_data(as_text=True)
    urls = _script_list(script, "STATIC_URLS")
    names = current(app).names
    for required in ("css/app.css", "js/app.js", "vendor/htmx.min.js", "js/directory-offline.js", "icons/nav.svg",
                     "icons/icon-192.png"):
        assert f"/static/{names[required]}" in urls  # the content-hashed URL the pages use
    for url in urls:
        assert client.get(url).status_code == 200, url
    pages = _script_list(script, "SHELL_PAGES")
    assert pages == ["/", "/directory", "/more"]
    assert 'var OFFLINE_URL = "/offline"' in script


def test_service_worker_bytes_change_with_the_app_version(client, app):
    first = client.get("/sw.js")
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    app.config["VERSION"] = "9.9.9"
    changed = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert 'var BUILD = "9.9.9-' in changed.get_data(as_text=True)


def test_build_id_follows_shell_file_contents(tmp_path):
    (tmp_path / "static" / "css").mkdir(parents=True)
    sheet = tmp_path / "static" / "css" / "app.css"
    sheet.write_text("body{}")
    before = build(tmp_path / "static", tmp_path / "build")
    os.utime(sheet, (1, 1))  # a new modification time alone is no new build
    assert shell.build_id("1.0", build(tmp_path / "static", tmp_path / "build")) == shell.build_id("1.0", before)
    sheet.write_text("body{color:red}")
    after = build(tmp_path / "static", tmp_path / "build")
    assert shell.build_id("1.0", after) != shell.build_id("1.0", before)
    assert shell.shell_files(after) == ["css/app.css"]


def test_service_worker_keeps_private_paths_out_of_its_caches(client):
    script = client.get("/sw.js").get_data(as_text=True)
    private = script.split("var PRIVATE = [", 1)[1].split("];", 1)[0]
    for pattern in (r"/^\/viewer\//", r"/^\/documents(\/|$)/", r"/^\/api\//", r"/^\/login/", r"/^\/logout/"):
        assert pattern in private
    assert 'request.method !== "GET"' in script


def test_offline_page_is_public_and_korean(client):
    response = client.get("/offline")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "인터넷에 연결되어 있지 않습니다" in html
    assert 'href="/directory"' in html


# What a page shows needs these; the apple-touch-icon is read only when the page is added to the home screen.
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link rel="(?:stylesheet|icon)"[^>]*\shref|img[^>]*\ssrc|use[^>]*\shref)'
                   r'="(/static/[^"#]+)')   # a query string kept: the worker must cache the very URL pages load


def _home_cards_for(user) -> None:
    """A pinned emergency group of ``user`` and today's lunch: the home cards that bring their own styles."""
    from core.emergency import groups
    from core.menu import today
    from core.models.menu import Cafeteria, Meal, MenuDish
    from core.models.organization import Person

    person = db.session.scalar(db.select(Person).order_by(Person.id))
    user.person_id = person.id
    db.session.add(Cafeteria(name="시청 본관"))
    db.session.flush()
    cafeteria = db.session.scalar(db.select(Cafeteria))
    db.session.add(Meal(cafeteria_id=cafeteria.id, day=today(), meal="lunch",
                        dishes=[MenuDish(position=0, name="된장국", allergens="5.6")]))
    groups.save(db.session, user, groups.GroupInput(name="재난대응 1조", description="", pinned=True, members=[
        groups.MemberInput(person.id, "상황총괄", None)], manager_ids=[user.id]))
    db.session.commit()


def test_service_worker_precaches_exactly_what_the_shell_pages_load(client, make_user, login, directory):
    _home_cards_for(make_user("kim", role="admin"))
    login("kim")
    loaded = set()
    for path in ("/", "/directory", "/more", "/offline"):
        response = client.get(path)
        assert response.status_code == 200, path
        loaded |= set(ASSET.findall(response.get_data(as_text=True)))
    precached = set(_script_list(client.get("/sw.js").get_data(as_text=True), "STATIC_URLS"))
    assert precached == loaded
    assert not [url for url in precached if re.search(r"/(viewer|lettering|public|documents-console)\.", url)]
