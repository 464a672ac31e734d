"""CLI: ``flask --app app lines import FILE`` and ``flask --app app lettering demo-calls``."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from pathlib import Path

import click
import httpx
from flask import current_app
from sqlalchemy import select

from core.lettering.lines_import import LinesFileError, import_file, line_prefixes
from core.models.lettering import Line
from core.phone import format_korean, mask
from core.timeutil import utcnow
from extensions import db


@click.group("lines")
def lines_group() -> None:
    """스마트 레터링 회선 (Smart Lettering lines)."""


@lines_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """CSV 또는 XLSX 파일에서 회선을 가져옵니다 (Import lines from CSV/XLSX)."""
    try:
        report = import_file(db.session, path.read_bytes(), path.name, prefixes=line_prefixes(current_app.config))
    except LinesFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} 아무것도 바꾸지 않았습니다.") from exc
    db.session.commit()
    click.echo(f"추가 {report['added']} · 변경 {report['updated']} · 변경 없음 {report['unchanged']} · "
               f"거부 {report['rejected_count']}")
    if report["created_departments"]:
        click.echo("새로 만든 부서: " + ", ".join(report["created_departments"]))
    for item in report["rejected"]:
        click.echo(f"  {item['row']}행: {item['reason']}")
    for item in report.get("notices", []):
        click.echo(f"  {item['row']}행 (가져옴, 확인 필요): {item['reason']}")


@click.group("lettering")
def lettering_group() -> None:
    """스마트 레터링 (Smart Lettering)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """PROTOCOLS.md §1: hex HMAC-SHA256 over ``"{timestamp}.{raw body}"``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _post(client: httpx.Client, url: str, secret: str, event: dict) -> dict:
    body = json.dumps(event, ensure_ascii=False).encode()
    for _attempt in range(5):
        ts = int(time.time())
        response = client.post(url, content=body, headers={
            "Content-Type": "application/json", "X-PBX-Timestamp": str(ts),
            "X-PBX-Signature": sign(secret, ts, body)})
        if response.status_code == 429:
            time.sleep(min(float(response.headers.get("Retry-After", "1") or 1), 5))
            continue
        if response.status_code == 401:
            raise click.ClickException("서명이 거부되었습니다(401). 앱과 같은 PBX_WEBHOOK_SECRET 인지 확인해 주세요.")
        if response.status_code != 202:
            raise click.ClickException(f"PBX 이벤트가 거부되었습니다({response.status_code}): {response.text[:300]}")
        return response.json()
    raise click.ClickException("서버가 계속 요청을 미루고 있습니다(429). 잠시 후 다시 실행해 주세요.")


def citizen_number(rng: random.Random) -> str:
    """A random mobile number. The carrier simulator treats about 30% of numbers as iPhone-like
    (``unsupported_device``), chosen by a hash of the number, so a batch always holds some."""
    return f"+8210{rng.randrange(2000, 9999):04d}{rng.randrange(0, 10000):04d}"


def call_events(call_id: str, line: Line, peer: str, rng: random.Random, answer_share: float) -> list[dict]:
    """dial → ringing → answered or missed → ended. ``at`` is stamped when each event is sent,
    as a PBX stamps what it sees, so the console's timeline follows real time."""
    # Half the PBX events name the line by number, half by extension, as real PBXs do.
    line_ref = line.extension if line.extension and rng.random() < 0.5 else format_korean(line.number)
    answered = rng.random() < answer_share
    talk_s = rng.randint(20, 240) if answered else 0

    def event(kind: str, **extra) -> dict:
        return {"event_id": f"{call_id}-{kind}", "call_id": call_id, "type": kind, "line": line_ref,
                "peer": format_korean(peer), **extra}

    outcome = [event("answered"), event("ended", duration_s=talk_s)] if answered else \
        [event("missed"), event("ended", duration_s=0)]
    return [event("dial"), event("ringing"), *outcome]


@lettering_group.command("demo-calls")
@click.option("--count", default=100, show_default=True, type=click.IntRange(1, 100_000), help="보낼 통화 수")
@click.option("--url", "base_url", default="http://127.0.0.1:5000", show_default=True, help="실행 중인 앱 주소")
@click.option("--interval", default=0.2, show_default=True, type=click.FloatRange(0, 60),
              help="통화 사이 간격(초); 한 통화의 이벤트는 그 1/4 간격으로 보냅니다")
@click.option("--answer-share", default=0.6, show_default=True, type=click.FloatRange(0, 1),
              help="받는 통화의 비율 (나머지는 부재중)")
@click.option("--seed", default=None, type=int, help="같은 통화를 다시 만들 난수 시드")
@click.option("--days", default=None, type=click.IntRange(1, 400),
              help="지난 N일의 끝난 통화를 데이터베이스에 바로 기록합니다 (홀드아웃 포함, 통계용)")
@click.option("--department", default=None, help="이 부서의 회선에서만 겁니다 (예: 안전총괄과)")
def demo_calls_command(count: int, base_url: str, interval: float, answer_share: float, seed: int | None,
                       days: int | None, department: str | None) -> None:
    """서명된 데모 PBX 이벤트를 실행 중인 앱에 보냅니다 (Send signed demo PBX events over HTTP).
    --days N: N일 동안의 끝난 통화를 바로 기록합니다 (Write N days of finished calls for the statistics)."""
    if days is not None:
        from core.lettering.demo_history import seed_history

        report = seed_history(db.session, current_app.config, days)
        db.session.commit()
        click.echo(json.dumps({"days": report.days, "outgoing": report.outgoing, "incoming": report.incoming,
                               "holdout": report.holdout}, ensure_ascii=False))
        return
    query = select(Line).where(Line.active).order_by(Line.id)
    if department:
        query = query.where(Line.department_name == department)
    lines = list(db.session.scalars(query))
    if not lines and department:
        raise click.ClickException(f"{department}의 사용 중인 회선이 없습니다.")
    if not lines:
        raise click.ClickException("회선이 없습니다. 먼저 `flask --app app seed-demo` 또는 "
                                   "`flask --app app lines import FILE` 을 실행해 주세요.")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call is enough
    rng = random.Random(seed)
    run = secrets.token_hex(3)
    url = base_url.rstrip("/") + "/api/pbx/events"
    secret = current_app.config["PBX_WEBHOOK_SECRET"]
    totals = {"calls": 0, "events": 0, "accepted": 0, "duplicates": 0, "missed": 0}
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    try:
        with httpx.Client(timeout=10) as client:
            for i in range(1, count + 1):
                line, peer = rng.choice(lines), citizen_number(rng)
                events = call_events(f"demo-{stamp}-{run}-{i:05d}", line, peer, rng, answer_share)
                for event in events:
                    event["at"] = utcnow().isoformat()
                    answer = _post(client, url, secret, event)
                    totals["accepted"] += int(answer.get("accepted", 0))
                    totals["duplicates"] += int(answer.get("duplicates", 0))
                    time.sleep(interval / 4)
                missed = any(e["type"] == "missed" for e in events)
                totals["calls"] += 1
                totals["events"] += len(events)
                totals["missed"] += missed
                # Only the masked number is ever printed (PIPA).
                click.echo(f"[{i}/{count}] {format_korean(line.number)} → {mask(peer)} "
                           f"{'부재중' if missed else '통화'}")
                time.sleep(interval)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"{url} 에 연결할 수 없습니다({exc.__class__.__name__}). "
                                   "앱이 실행 중인지 확인해 주세요.") from exc
    click.echo(json.dumps(totals, ensure_ascii=False))
