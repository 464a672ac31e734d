"""Account and phone-number errors: Korean msgids with values apart, shown in the reader's language on the
web and in Korean on the command line."""
import pytest

from core.accounts import AccountError, check_password_policy, create_user
from core.phone import InvalidPhone, normalize
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "The password must mix letters with digits or symbols."),
    ("ko", "비밀번호는 문자와 숫자 또는 기호를 섞어야 합니다."),
])
def test_password_rule_in_the_admins_language(client, make_user, login, locale, expected):
    make_user("boss", role="admin", locale=locale)
    login("boss")
    token = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    answer = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                    "new": "onlyletters", "confirm": "onlyletters"})
    assert answer.status_code == 400 and expected in answer.text


def test_account_error_keeps_its_msgid_and_korean_text():
    with pytest.raises(AccountError) as excinfo:
        check_password_policy("short1")
    error = excinfo.value
    assert (error.msgid, error.params) == ("비밀번호는 %(min)s자 이상이어야 합니다.", {"min": 10})
    assert str(error) == "비밀번호는 10자 이상이어야 합니다."


def test_user_errors_stay_korean_on_the_command_line(runner, make_user):
    make_user("lee")
    taken = runner.invoke(args=["users", "create", "lee", "--password-stdin"], input="a-strong-pass-1\n")
    assert taken.exit_code != 0 and "이미 있는 사용자입니다: lee" in taken.output
    with pytest.raises(AccountError) as excinfo:
        create_user(db.session, "kim", "a-strong-pass-1", "king")
    assert str(excinfo.value) == "알 수 없는 역할입니다: king (staff, dept_admin, admin)"
    assert excinfo.value.params == {"role": "king", "roles": "staff, dept_admin, admin"}


@pytest.mark.parametrize(("raw", "message", "text"), [
    ("", "전화번호가 비어 있습니다.", "전화번호가 비어 있습니다."),
    ("abc", "전화번호 형식이 올바르지 않습니다: %(value)s", "전화번호 형식이 올바르지 않습니다: abc"),
    ("010-12", "유효하지 않은 전화번호입니다: %(value)s", "유효하지 않은 전화번호입니다: 010-12"),
])
def test_invalid_phone_keeps_its_msgid_and_korean_text(raw, message, text):
    with pytest.raises(InvalidPhone) as excinfo:
        normalize(raw)
    assert excinfo.value.msgid == message and str(excinfo.value) == text
