"""Configuration shared by the web app and the worker.

Order of precedence: built-in defaults, then ``instance/config.py``, then the
environment. Secrets that are missing outside production are generated once
into ``instance/secrets.json`` so that a fresh clone runs with no set-up.
"""
from __future__ import annotations

import json
import os
import runpy
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"

DEFAULTS: dict[str, Any] = {
    "APP_ENV": "development",
    "DATABASE_URL": None,  # filled in from the instance folder
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "BABEL_DEFAULT_LOCALE": "ko",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "LOGIN_THROTTLE_MINUTES": 10,             # window of the per-address and per-network sign-in limits
    "LOGIN_IP_LIMIT": 30,                     # failed sign-ins per address per window (all processes)
    "LOGIN_NETWORK_LIMIT": 100,               # failed sign-ins per IPv4 /24 or IPv6 /64 per window
    "ARGON2_TIME_COST": 3,                    # password hashing cost (core.accounts.configure_hashing)
    "ARGON2_MEMORY_KIB": 65536,
    "ARGON2_PARALLELISM": 4,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    "API_TOKEN_DAYS": 90,                     # lifetime of a new personal API token
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "DEMO_PASSWORD": "goyang2026!",
    # Smart Lettering: providers (PROTOCOLS.md §2, §3) and the fallback policy
    "CARRIER_BASE_URL": "http://127.0.0.1:5081",
    "KAKAO_BASE_URL": "http://127.0.0.1:5082",
    "KAKAO_SIM_TEMPLATES_FILE": "",           # development only: the console's templates for the Kakao simulator
    "FALLBACK_POLICY": "missed_only",          # missed_only | always | never
    "ALIMTALK_TEMPLATE_CODE": "GY_MISSED_CALL",
    "ALIMTALK_CAP_PER_DAY": 1,                # per citizen per department per 24 h
    "QUIET_HOURS_START": 21,                  # KST hour, inclusive
    "QUIET_HOURS_END": 8,                     # KST hour, exclusive
    "ALIMTALK_STALE_HOURS": 12,               # held messages older than this are dropped
    "RETENTION_DAYS": 30,
    "CAMPAIGN_MEDIA_DIR": "",                 # card-news files; blank: campaign_media in the instance folder
    "CAMPAIGN_MEDIA_RETENTION_DAYS": 90,      # an archived campaign's card-news files go after this
    "LETTERING_HOLDOUT_PERCENT": 0,           # outgoing calls left unlettered on purpose (core.lettering.holdout)
    "WORKER_CONCURRENCY": 4,
    "LETTERING_MAX_BACKLOG": 50000,           # queued jobs above which the PBX webhook answers 429
    "VERIFY_RATE_PER_MINUTE": 20,             # citizens' /verify look-ups per IP per minute (all processes)
    "LINE_NUMBER_PREFIXES": "+82318075,+82319",  # E.164 ranges an official line must start with (comma-separated)
    "OPTOUT_CODE_TEMPLATE_CODE": "GY_OPTOUT_CODE",  # AlimTalk template of the opt-out page's one-time code
    # Console imports (core.spreadsheet): checked before and while a file is read
    "IMPORT_MAX_ROWS": 60000,                 # data rows of a directory import (lines keep their own 20,000)
    "IMPORT_MAX_UNZIPPED_MB": 50,             # an XLSX's entries, uncompressed, added up
    "IMPORT_TIME_LIMIT_SECONDS": 120,         # reading one file, in the worker
    # Bulletin board: the Saeol feed (PROTOCOLS.md §4), its attachments' only host, and RSS boards
    "SAEOL_FEED_URL": "http://127.0.0.1:5083/saeol/feed",
    "SAEOL_FILES_URL": "http://127.0.0.1:5083/saeol/files",
    "SAEOL_SYNC_SECONDS": 60,
    "SAEOL_TIMEOUT_SECONDS": 10,              # each request to a feed or for an attachment
    "BOARD_ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
    # Web push (PROTOCOLS.md §5): VAPID, the push services we may call, and the inbox
    "VAPID_PRIVATE_KEY": "",                  # PEM or base64url; empty: made once into instance/vapid.pem
    "VAPID_SUBJECT": "mailto:smartportal@goyang.go.kr",   # a real mailto: or https: (Safari checks it)
    "PUSH_EXTRA_HOSTS": "",                   # host[:port] beside FCM/Mozilla/Apple/Microsoft (tests, private)
    "PUSH_TTL_SECONDS": 86400,
    "PUSH_TIMEOUT_SECONDS": 10,
    "PUSH_CONCURRENCY": 24,                   # requests to push services in flight per worker process
    "INBOX_RETENTION_DAYS": 90,
    # --- Cafeteria menus (core/menu) ---
    "MENU_ALLERGEN_PUSH": True,               # the 10:30 KST warning to people who opted in (core/menu/jobs.py)
    # --- /Cafeteria menus ---
    # Duty rosters (issue 10, duty): the evening-before reminder, HH:MM Asia/Seoul
    "DUTY_REMINDER_AT": "18:00",
    # Secure document viewer
    "DOCUMENT_MAX_BYTES": 30 * 1024 * 1024,
    "DOCUMENT_MAX_PAGES": 300,
    "VIEWER_URL_TTL_SECONDS": 300,
    "VIEWER_CACHE_MB": 512,
    "VIEWER_SANDBOX_SECONDS": 60,             # per conversion and per page render, in the child process
    "VIEWER_SANDBOX_MEMORY_MB": 1024,         # address-space limit of that child
    "VIEWER_RENDER_WORKERS": 2,               # renderer children per web process
    "VIEWER_WEBP": True,                      # WebP pages to browsers that accept it (docs/viewer.md), else JPEG
    # Business cards (모바일 명함, core/cards): the office address printed on cards
    "CARD_DEFAULT_ADDRESS": "경기도 고양시 덕양구 고양시청로 10",   # 고양시청; any place without its own entry
    "CARD_ADDRESSES": "",                     # JSON {"기관" | "기관/부서" | "기관/상위부서": "주소"}
    # Operations: health, metrics, proxies
    "HEALTH_MAX_LAG_SECONDS": 120,            # /healthz answers 503 when the oldest due job waited longer
    "METRICS_TOKEN": "",                      # bearer token for /metrics; empty: loopback callers only
    "TRUSTED_PROXY_COUNT": 0,                 # reverse proxies in front whose X-Forwarded-* are believed
}

# Generated on first run outside production, read from the environment in production.
SECRET_NAMES = ("SECRET_KEY", "PHONE_HASH_KEY", "PHONE_ENCRYPTION_KEY", "PBX_WEBHOOK_SECRET",
                "CARRIER_API_KEY", "CARRIER_RECEIPT_SECRET", "KAKAO_APP_KEY", "KAKAO_SECRET_KEY",
                "KAKAO_SENDER_KEY", "KAKAO_REPORT_SECRET", "SAEOL_TOKEN")

BOOL_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, bool)}
INT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool)}
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _from_environment(key: str, value: str) -> Any:
    """An environment value as its setting's type: "false" must not be a true string."""
    if key in BOOL_KEYS:
        word = value.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ConfigError(f"{key} must be true or false, not {value!r}")
        return word in TRUE_WORDS
    return int(value) if key in INT_KEYS and value.lstrip("-").isdigit() else value


class ConfigError(RuntimeError):
    pass


def _instance_secrets(instance: Path) -> dict[str, str]:
    path = instance / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in SECRET_NAMES if name not in stored]
    if missing:
        stored.update({name: secrets.token_urlsafe(32) for name in missing})
        instance.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed over the file: created 0600 (never readable by others, not even for a
        # moment before a chmod), and a reader never sees half a file.
        scratch = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(stored, out, indent=2)
        os.replace(scratch, path)
    return stored


def load_settings(instance_path: str | os.PathLike | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every setting into one flat dict of upper-case keys."""
    instance = Path(instance_path or os.environ.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
    settings: dict[str, Any] = dict(DEFAULTS)
    config_file = instance / "config.py"
    if config_file.exists():
        settings.update({k: v for k, v in runpy.run_path(str(config_file)).items() if k.isupper()})
    for key in (*DEFAULTS, *SECRET_NAMES):
        if (value := os.environ.get(key)) is not None:
            settings[key] = _from_environment(key, value)
    settings.update(overrides or {})

    production = settings["APP_ENV"] == "production"
    absent = [name for name in SECRET_NAMES if not settings.get(name)]
    if absent and production:
        raise ConfigError(f"missing secrets in production: {', '.join(absent)}")
    if absent:
        generated = _instance_secrets(instance)
        settings.update({name: generated[name] for name in absent})
    if not settings.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'portal.db'}"
    settings["DATABASE_URL"] = _with_driver(settings["DATABASE_URL"])
    settings["INSTANCE_PATH"] = str(instance)
    return settings


def _with_driver(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3, the driver in requirements.txt."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
