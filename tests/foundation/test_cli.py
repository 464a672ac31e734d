from core.accounts import find_token
from core.models.accounts import User
from extensions import db


def test_users_create_from_stdin_and_token(runner, client):
    result = runner.invoke(args=["users", "create", "lee", "--role", "admin", "--password-stdin"],
                           input="a-strong-pass-1\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(username="lee"))
    assert user.role == "admin" and user.password_hash.startswith("$argon2")

    token_result = runner.invoke(args=["users", "token", "lee"])
    token = token_result.output.strip()
    assert token.startswith("gyp_")
    assert find_token(db.session, token).user.username == "lee"
    assert client.get("/api/nothing-here", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.get("/api/nothing-here", headers={"Authorization": "Bearer wrong"}).status_code == 404


def test_users_create_rejects_weak_password_and_bad_role(runner):
    weak = runner.invoke(args=["users", "create", "lee", "--password-stdin"], input="short\n")
    assert weak.exit_code != 0 and "10자" in weak.output
    bad_role = runner.invoke(args=["users", "create", "lee", "--role", "king", "--password-stdin"],
                             input="a-strong-pass-1\n")
    assert bad_role.exit_code != 0
    assert db.session.scalar(db.select(User).filter_by(username="lee")) is None


def test_seed_demo_refuses_production(runner, app):
    app.config["APP_ENV"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
