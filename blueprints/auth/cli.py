import sys

import click
from flask import current_app
from flask.cli import AppGroup

from core import audit
from core.accounts import AccountError, create_user, find_token, issue_token
from core.models.accounts import ROLES, User
from extensions import db

users_cli = AppGroup("users", help="직원 계정 관리 (Manage staff accounts).")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--display-name", default="", help="표시 이름")
@click.option("--password-stdin", is_flag=True, help="표준 입력의 첫 줄을 비밀번호로 읽습니다.")
def create(name: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create account NAME; the password comes from a prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("비밀번호", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, name, password, role, display_name=display_name or name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("token")
@click.argument("name")
@click.option("--name", "--label", "label", default="cli", show_default=True, help="토큰 이름 (Token name)")
@click.option("--days", type=int, default=None, help="유효 기간(일), 기본 API_TOKEN_DAYS (Lifetime in days)")
def token(name: str, label: str, days: int | None) -> None:
    """Print a new personal API token for NAME (shown once); the issue is audited."""
    user = db.session.scalar(db.select(User).filter_by(username=name))
    if user is None:
        raise click.ClickException(f"사용자가 없습니다: {name}")
    try:
        lifetime = int(current_app.config["API_TOKEN_DAYS"]) if days is None else days
        raw = issue_token(db.session, user, label, days=lifetime)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    row = find_token(db.session, raw)
    # Issued at a shell on the server: the actor is the operator there, not the token's owner.
    audit.record(db.session, "token_issued", username="cli", target=user.username, user_id=user.id,
                 token_id=row.id, label=row.label, expires_at=row.expires_at.isoformat(), via="cli")
    db.session.commit()
    click.echo(raw)
