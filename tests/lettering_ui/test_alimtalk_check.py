"""The AlimTalk template checker (core.lettering.alimtalk_check): every rule, at its boundaries. Pure: no app."""
import pytest

from core.lettering.alimtalk_check import (
    AD_WORDS,
    BODY_MAX,
    CALL_VARIABLES,
    CODE_VARIABLES,
    MESSAGES,
    check_template,
    filled_length,
    is_on_base,
)

BASE = "https://portal.goyang.go.kr"


def codes(body: str = "[#{기관명}] #{부서명}에서 전화드렸습니다.", **kw) -> list[str]:
    kw.setdefault("kind", "basic")
    kw.setdefault("public_base", BASE)
    return [p.code for p in check_template(body=body, **kw)]


def test_a_good_template_has_no_problems():
    body = ("[#{기관명}] 부재중 전화 안내\n#{부서명}에서 #{발신번호} 번호로 전화를 드렸습니다.\n#{안내문구}")
    buttons = [{"name": "기관 확인", "kind": "verify"}, {"name": "안내 보기", "kind": "campaign"},
               {"name": "수신 거부", "kind": "optout"}, {"name": "민원 안내", "kind": "link", "url": f"{BASE}/p/x"}]
    assert codes(body, buttons=buttons) == []


def test_the_body_is_measured_with_the_longest_values_at_1000_and_1001():
    # 안내문구 counts as its longest realistic value (64), whatever the placeholder's own length.
    fixed = BODY_MAX - CALL_VARIABLES["안내문구"]
    assert filled_length("가" * fixed + "#{안내문구}", CALL_VARIABLES) == 1000
    assert codes("가" * fixed + "#{안내문구}") == []
    assert codes("가" * (fixed + 1) + "#{안내문구}") == ["body_too_long"]
    # Plain text: exactly 1,000 passes, 1,001 does not.
    assert codes("나" * 1000) == [] and codes("나" * 1001) == ["body_too_long"]
    [problem] = check_template(kind="basic", body="나" * 1001, public_base=BASE)
    assert problem.message == "변수를 가장 긴 값으로 채우면 본문이 1001자입니다(최대 1000자)."


def test_a_short_placeholder_still_counts_as_its_longest_value():
    """#{캠페인} is 6 characters in the body but a campaign's title may have 128."""
    body = "다" * (BODY_MAX - 100) + "#{캠페인}"
    assert len(body) < BODY_MAX
    assert codes(body) == ["body_too_long"]


def test_at_most_40_variables():
    forty = " ".join(["#{인증번호}"] * 40)
    assert codes(forty, variables=CODE_VARIABLES) == []
    assert codes(forty + " #{인증번호}", variables=CODE_VARIABLES) == ["too_many_variables"]


def test_unknown_variables_are_named_with_the_known_ones():
    [problem] = check_template(kind="basic", body="#{기관명} #{고객명} #{고객명} #{}", public_base=BASE)
    assert problem.code == "unknown_variable"
    assert problem.args["names"] == "#{고객명}, #{}"
    assert "#{부서명}" in problem.args["known"]
    # The opt-out code's template knows only its code.
    assert codes("#{부서명} #{인증번호}", variables=CODE_VARIABLES) == ["unknown_variable"]


@pytest.mark.parametrize("body", ["#{부서명 에서", "#부서명} 안내", "#{기관명} 그리고 #{"])
def test_a_broken_placeholder_is_reported(body):
    assert "bad_placeholder" in codes(body)


def test_at_most_5_buttons():
    button = {"name": "기관 확인", "kind": "verify"}
    assert codes(buttons=[button] * 5) == []
    assert codes(buttons=[button] * 6) == ["too_many_buttons"]


def test_button_names_and_kinds():
    assert codes(buttons=[{"name": "", "kind": "verify"}]) == ["button_name"]
    assert codes(buttons=[{"name": "가" * 14, "kind": "verify"}]) == []
    assert codes(buttons=[{"name": "가" * 15, "kind": "verify"}]) == ["button_name"]
    assert codes(buttons=[{"name": "앱 열기", "kind": "app"}]) == ["button_kind"]


@pytest.mark.parametrize("url", [
    f"{BASE}/p/AbC123", f"{BASE}/", BASE, f"{BASE}/verify?n=1", "HTTPS://PORTAL.GOYANG.GO.KR/p/x"])
def test_links_on_our_public_base_pass(url):
    assert is_on_base(url, BASE + "/")
    assert codes(buttons=[{"name": "안내", "kind": "link", "url": url}]) == []


@pytest.mark.parametrize("url", [
    "https://evil.example.com/p/x", "https://portal.goyang.go.kr.evil.com/p", "https://portal.goyang.go.kr@evil.com/",
    "http://portal.goyang.go.kr/p/x", "https://portal.goyang.go.kr:8443/p", "javascript:alert(1)", "//evil.com/x",
    "/p/relative", "", "https://portal.goyang.go.kr/p /x", "https://portal.goyang.go.kr\\@evil.com"])
def test_foreign_or_odd_links_are_refused(url):
    assert codes(buttons=[{"name": "안내", "kind": "link", "url": url}]) == ["button_url_foreign"]


def test_a_base_with_a_path_keeps_links_under_it():
    base = "https://www.goyang.go.kr/portal"
    assert is_on_base("https://www.goyang.go.kr/portal/p/x", base)
    assert not is_on_base("https://www.goyang.go.kr/portalx/p", base)
    assert not is_on_base("https://www.goyang.go.kr/other", base)


def test_link_urls_are_limited_and_without_variables():
    long = f"{BASE}/p/" + "a" * 500
    assert codes(buttons=[{"name": "안내", "kind": "link", "url": long}]) == ["button_url_too_long"]
    assert "button_url_variable" in codes(buttons=[{"name": "안내", "kind": "link", "url": f"{BASE}/p/#{{캠페인}}"}])


@pytest.mark.parametrize("word", AD_WORDS)
def test_every_advertising_word_is_caught(word):
    assert codes(f"#{{부서명}} 안내입니다. {word} 소식") == ["ad_words"]


def test_advertising_is_caught_with_spaces_in_it_and_in_buttons_and_extra():
    [problem] = check_template(kind="basic", body="지금 할 인 중", public_base=BASE)
    assert problem.code == "ad_words" and problem.args["words"] == "할인"
    assert codes(buttons=[{"name": "쿠폰 받기", "kind": "verify"}]) == ["ad_words"]
    assert codes(kind="extra", extra="이벤트 참여 안내") == ["ad_words"]
    assert codes("주정차 단속 안내입니다") == []  # informational words pass


def test_the_two_types_and_their_extra_text():
    assert codes(kind="extra", extra="문의: 031-8075-1234") == []
    assert codes(kind="extra", extra="") == ["extra_missing"]
    assert codes(kind="extra", extra="가" * 500) == []
    assert codes(kind="extra", extra="가" * 501) == ["extra_too_long"]
    assert codes(kind="extra", extra="#{부서명} 문의") == ["extra_variable"]
    assert codes(kind="basic", extra="부가 정보") == ["extra_not_allowed"]
    assert codes(kind="ad") == ["bad_type"]
    assert codes("   ") == ["body_empty"]


def test_every_problem_has_a_message_with_its_parameters():
    body = "#{x} " * 41 + "광고" + "가" * 1000
    problems = check_template(kind="extra", body=body, extra="#{x}" + "가" * 600, public_base=BASE,
                              buttons=[{"name": "", "kind": "link", "url": "https://evil.com/"}] * 6)
    assert {p.code for p in problems} >= {"too_many_variables", "unknown_variable", "body_too_long",
                                          "extra_too_long", "extra_variable", "too_many_buttons", "button_name",
                                          "button_url_foreign", "ad_words"}
    for problem in problems:
        assert problem.message and "%(" not in problem.message
    assert set(MESSAGES) >= {p.code for p in problems}
