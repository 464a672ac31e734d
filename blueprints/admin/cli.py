import json

import click
from flask import current_app

from core.demo import seed_demo
from extensions import db


@click.command("seed-demo")
def seed_demo_command() -> None:
    """데모 데이터를 만듭니다 (Build the Goyang-like demo data; idempotent)."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("APP_ENV=production 에서는 데모 데이터를 만들 수 없습니다.")
    summary = seed_demo(db.session, current_app.config)
    click.echo(json.dumps(summary, ensure_ascii=False))
