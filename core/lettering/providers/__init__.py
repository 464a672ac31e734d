"""HTTP clients for the carrier lettering gateway (PROTOCOLS.md §2) and the Kakao AlimTalk provider (§3)."""
import json
from typing import Any


def dumps(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, byte-identical for an identical body (idempotent retries send the same bytes)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
