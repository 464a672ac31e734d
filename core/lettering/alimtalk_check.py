"""The AlimTalk template checker, run before a template goes to Kakao's review (and before it is sent).

Pure functions: no database, no Flask. Kakao rejects a template whose filled message is longer than 1,000
characters, that has more than 40 variables or 5 buttons, or that advertises in an informational type (기본형
and 부가정보형 are both informational); we catch these first, so that an admin learns it in the console rather
than days later from the reviewer. Each problem is a Korean msgid with its parameters; the console translates.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from core.i18n import N_

BODY_MAX = 1000            # characters of the message after the variables are filled
EXTRA_MAX = 500            # 부가정보형's extra text
VARIABLES_MAX = 40         # placeholders in a template (each occurrence counts)
BUTTONS_MAX = 5
BUTTON_NAME_MAX = 14       # Kakao's limit on a button's label
BUTTON_URL_MAX = 500       # PROTOCOLS.md §3
TYPES = ("basic", "extra")  # 기본형, 부가정보형
BUTTON_KINDS = ("verify", "campaign", "optout", "link")

# The longest realistic value of each variable, by where it comes from: the line's columns (core.models.lettering:
# 표시기관명 and 부서명 64, 안내문구 MESSAGE_MAX), a Korean number as format_korean writes it (031-8075-1234),
# a campaign's title (128) and the opt-out code (6 digits). A template may only use the variables its sender fills.
CALL_VARIABLES: dict[str, int] = {"기관명": 64, "부서명": 64, "발신번호": 13, "안내문구": 64, "캠페인": 128}
CODE_VARIABLES: dict[str, int] = {"인증번호": 6}

# Words Kakao treats as advertising in an informational template. Promotion belongs on the landing page behind
# the 안내 보기 button. Matched with spaces removed, so "할 인" is caught too.
AD_WORDS = ("할인", "이벤트", "경품", "광고", "쿠폰", "무료", "특가", "세일", "프로모션", "사은품", "증정", "적립금",
            "공짜", "최저가", "홍보")

_VARIABLE = re.compile(r"#\{([^{}]*)\}")
_SPACES = re.compile(r"[\s\u200b-\u200d\ufeff]+")

MESSAGES = {
    "body_empty": N_("본문을 입력해 주세요."),
    "body_too_long": N_("변수를 가장 긴 값으로 채우면 본문이 %(length)d자입니다(최대 %(max)d자)."),
    "bad_placeholder": N_("변수 표기가 잘못되었습니다: #{변수명} 형식으로 써 주세요."),
    "too_many_variables": N_("변수가 %(count)d개입니다(최대 %(max)d개)."),
    "unknown_variable": N_("알 수 없는 변수입니다: %(names)s (쓸 수 있는 변수: %(known)s)"),
    "bad_type": N_("템플릿 유형을 골라 주세요."),
    "extra_missing": N_("부가정보형은 부가 정보를 입력해야 합니다."),
    "extra_not_allowed": N_("기본형에는 부가 정보를 넣을 수 없습니다."),
    "extra_too_long": N_("부가 정보가 %(length)d자입니다(최대 %(max)d자)."),
    "extra_variable": N_("부가 정보에는 변수를 쓸 수 없습니다."),
    "too_many_buttons": N_("버튼이 %(count)d개입니다(최대 %(max)d개)."),
    "button_name": N_("%(n)d번 버튼의 이름을 입력해 주세요(최대 %(max)d자)."),
    "button_kind": N_("%(n)d번 버튼의 종류가 올바르지 않습니다."),
    "button_url_foreign": N_("%(n)d번 버튼의 주소는 우리 공개 주소(%(base)s)로 시작해야 합니다."),
    "button_url_too_long": N_("%(n)d번 버튼의 주소가 %(max)d자를 넘습니다."),
    "button_url_variable": N_("%(n)d번 버튼의 주소에는 변수를 쓸 수 없습니다."),
    "ad_words": N_("정보성 템플릿에 광고성 표현이 있습니다: %(words)s (홍보는 안내 페이지에 넣어 주세요)"),
}


@dataclass(frozen=True)
class Problem:
    code: str                                   # a key of MESSAGES
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """In Korean (the console shows ``gettext(MESSAGES[code]) % args`` in the reader's language)."""
        return MESSAGES[self.code] % self.args


def placeholders(text: str) -> list[str]:
    """The variable names of ``text`` in order, one per occurrence."""
    return _VARIABLE.findall(text)


def filled_length(body: str, maxima: Mapping[str, int]) -> int:
    """The body's length with every known variable filled by its longest realistic value (unknown ones
    count as their placeholder, which the unknown-variable problem reports anyway)."""
    return len(_VARIABLE.sub(lambda m: "가" * maxima.get(m.group(1), len(m.group(0))), body))


def is_on_base(url: str, base: str) -> bool:
    """Whether ``url`` is an http(s) URL on ``base`` (PUBLIC_BASE_URL): same scheme and host, under its path.
    ``https://portal.example.kr.evil.com`` and ``https://portal.example.kr@evil.com`` are not."""
    if not url or not base or any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        return False
    try:
        got, want = urlsplit(url), urlsplit(base.rstrip("/"))
    except ValueError:
        return False
    if got.scheme.lower() not in ("http", "https") or got.scheme.lower() != want.scheme.lower():
        return False
    if got.netloc.lower() != want.netloc.lower() or "@" in got.netloc:
        return False
    prefix = want.path.rstrip("/")
    return got.path == prefix or got.path.startswith(prefix + "/") or (not prefix and got.path == "")


def ad_words(texts: Iterable[str]) -> list[str]:
    joined = _SPACES.sub("", " ".join(texts))
    return [word for word in AD_WORDS if word in joined]


def check_template(*, kind: str, body: str, extra: str = "", buttons: list[dict[str, Any]] | None = None,
                   public_base: str, variables: Mapping[str, int] = CALL_VARIABLES) -> list[Problem]:
    """Every problem Kakao's review would find in a template, in the order of the form."""
    problems: list[Problem] = []
    buttons = buttons or []
    if kind not in TYPES:
        problems.append(Problem("bad_type"))
    if not body.strip():
        problems.append(Problem("body_empty"))
    # A "#{" left open or a "}" without its "#{" (a typo such as "#{부서명" or "#부서명}").
    rest = _VARIABLE.sub("", body)
    if "#{" in rest or re.search(r"#[^{\s]*}", rest):
        problems.append(Problem("bad_placeholder"))
    names = placeholders(body)
    if len(names) > VARIABLES_MAX:
        problems.append(Problem("too_many_variables", {"count": len(names), "max": VARIABLES_MAX}))
    unknown = [n for n in dict.fromkeys(names) if n not in variables]
    if unknown:
        problems.append(Problem("unknown_variable", {"names": ", ".join(f"#{{{n}}}" for n in unknown),
                                                     "known": ", ".join(f"#{{{n}}}" for n in variables)}))
    length = filled_length(body, variables)
    if length > BODY_MAX:
        problems.append(Problem("body_too_long", {"length": length, "max": BODY_MAX}))
    if kind == "extra":
        if not extra.strip():
            problems.append(Problem("extra_missing"))
        if len(extra) > EXTRA_MAX:
            problems.append(Problem("extra_too_long", {"length": len(extra), "max": EXTRA_MAX}))
        if "#{" in extra:
            problems.append(Problem("extra_variable"))
    elif extra.strip():
        problems.append(Problem("extra_not_allowed"))
    if len(buttons) > BUTTONS_MAX:
        problems.append(Problem("too_many_buttons", {"count": len(buttons), "max": BUTTONS_MAX}))
    for n, button in enumerate(buttons, 1):
        problems.extend(_button_problems(n, button, public_base))
    found = ad_words([body, extra, *(str(b.get("name", "")) for b in buttons)])
    if found:
        problems.append(Problem("ad_words", {"words": ", ".join(found)}))
    return problems


def _button_problems(n: int, button: Mapping[str, Any], base: str) -> list[Problem]:
    name = str(button.get("name") or "").strip()
    problems = []
    if not name or len(name) > BUTTON_NAME_MAX:
        problems.append(Problem("button_name", {"n": n, "max": BUTTON_NAME_MAX}))
    kind = button.get("kind")
    if kind not in BUTTON_KINDS:
        problems.append(Problem("button_kind", {"n": n}))
    elif kind == "link":
        # The other kinds link to our own pages, built from PUBLIC_BASE_URL when the message is sent.
        url = str(button.get("url") or "").strip()
        if "#{" in url:
            problems.append(Problem("button_url_variable", {"n": n}))
        if len(url) > BUTTON_URL_MAX:
            problems.append(Problem("button_url_too_long", {"n": n, "max": BUTTON_URL_MAX}))
        elif not is_on_base(url, base):
            problems.append(Problem("button_url_foreign", {"n": n, "base": base.rstrip("/")}))
    return problems
