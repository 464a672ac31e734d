import pytest

from app import create_app
from core.health import record_heartbeat
from core.settings import load_settings
from extensions import db


def test_healthz_reports_version_and_database(client):
    record_heartbeat(db.session, "test-worker", 0)  # /healthz also wants a live worker
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["version"] == client.application.config["VERSION"]


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_served_over_https(client):
    response = client.get("/login", base_url="https://portal.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_no_inline_script_in_pages(client, make_user, login):
    make_user("kim")
    login("kim")
    for path in ("/login", "/", "/more"):
        html = client.get(path).get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert chunk.split(">", 1)[0].count("src=") == 1, f"inline script on {path}"


def test_unknown_page_is_korean_404_and_api_is_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "페이지를 찾을 수 없습니다" in page.get_data(as_text=True)
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.get_json()["status"] == 404


def test_settings_layering(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SESSION_IDLE_MINUTES = 45\nPUBLIC_BASE_URL = 'https://from-file'\n")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://from-env")
    settings = load_settings(tmp_path)
    assert settings["SESSION_IDLE_MINUTES"] == 45
    assert settings["PUBLIC_BASE_URL"] == "https://from-env"
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'portal.db'}"
    # generated secrets are stable across loads
    assert load_settings(tmp_path)["SECRET_KEY"] == settings["SECRET_KEY"]


@pytest.mark.parametrize(("value", "expected"), [("false", False), ("0", False), ("Off", False), ("", False),
                                                 ("true", True), ("1", True), ("yes", True)])
def test_switches_from_the_environment_are_booleans(tmp_path, monkeypatch, value, expected):
    monkeypatch.setenv("VIEWER_WEBP", value)
    monkeypatch.setenv("MENU_ALLERGEN_PUSH", value)
    monkeypatch.setenv("WORKER_CONCURRENCY", "7")
    settings = load_settings(tmp_path)
    assert settings["VIEWER_WEBP"] is expected and settings["MENU_ALLERGEN_PUSH"] is expected
    assert settings["WORKER_CONCURRENCY"] == 7


def test_a_switch_that_is_not_a_yes_or_no_stops_the_app(tmp_path, monkeypatch):
    from core.settings import ConfigError

    monkeypatch.setenv("VIEWER_WEBP", "maybe")
    with pytest.raises(ConfigError, match="VIEWER_WEBP must be true or false"):
        load_settings(tmp_path)


def test_production_refuses_generated_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    try:
        create_app({"INSTANCE_PATH": str(tmp_path)})
    except RuntimeError as exc:
        assert "missing secrets" in str(exc)
    else:
        raise AssertionError("production start without secrets must fail")
    assert not (tmp_path / "secrets.json").exists()
