"""The randomised holdout: a share of calls is left unlettered on purpose, so that the console can show
what lettering changes (core.lettering.lift).

The call id alone decides, through a keyed hash: the same call always lands in the same arm (a job that
runs again, a second web process, a replay of the PBX batch), nobody can choose which calls are held out
by choosing ids without the key, and no state is kept to decide. The assignment is written on the call
(``calls.holdout``) when ingest first sees it, so a later change of the share or of the key never moves a
past call to the other arm. A held-out call gets nothing: no lettering and no AlimTalk fallback
(``core.lettering.policy`` skips it), or the comparison would measure the AlimTalk, not the lettering.
"""
from __future__ import annotations

import hashlib
import hmac

from core.i18n import N_

BUCKETS = 10_000                 # the share has a resolution of 0.01 %
SETTING = "LETTERING_HOLDOUT_PERCENT"
HOLDOUT_LABEL = N_("홀드아웃(비교군)")
# The timeline's line for a held-out call (kind "carrier", detail {"status": "holdout"}).
HOLDOUT_SKIPPED = N_("홀드아웃(비교군): 효과 측정을 위해 레터링과 알림톡을 보내지 않음")


def holdout_percent(settings: dict) -> float:
    """The configured share in percent, clamped to 0..100 (a bad value means no holdout)."""
    try:
        value = float(settings.get(SETTING, 0) or 0)
    except (TypeError, ValueError):
        return 0.0
    return min(max(value, 0.0), 100.0)


def holdout_key(secret_key: str) -> bytes:
    """A key of its own, derived from SECRET_KEY, so the assignment hash is not a hash of anything else."""
    return hmac.new(secret_key.encode(), b"lettering-holdout-v1", hashlib.sha256).digest()


def bucket(call_id: str, key: bytes) -> int:
    """The call's bucket, 0..9,999: HMAC-SHA256 of the id, its first 8 bytes mod 10,000."""
    digest = hmac.new(key, call_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def is_holdout(call_id: str, percent: float, key: bytes) -> bool:
    """Whether the call is held out: its bucket falls below the share (10 % → buckets 0..999)."""
    if percent <= 0:
        return False
    return bucket(call_id, key) < round(percent * BUCKETS / 100)


def assigner(settings: dict):
    """``assign(call_id) -> bool`` for the configured share and key (one key derivation per batch)."""
    percent = holdout_percent(settings)
    if percent <= 0:
        return lambda call_id: False
    key = holdout_key(str(settings["SECRET_KEY"]))
    return lambda call_id: is_holdout(call_id, percent, key)
