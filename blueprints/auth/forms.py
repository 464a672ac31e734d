from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange

from core.accounts import MAX_NAME_LENGTH, MAX_TOKEN_DAYS


class LoginForm(FlaskForm):
    username = StringField(_l("아이디"), validators=[DataRequired(_l("아이디를 입력해 주세요.")), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_l("비밀번호를 입력해 주세요.")),
                                                     Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    current = PasswordField(_l("현재 비밀번호"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("새 비밀번호"), validators=[DataRequired(), Length(min=10, max=256)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("새 비밀번호 확인"),
                            validators=[DataRequired(), EqualTo("new", _l("새 비밀번호가 서로 다릅니다."))],
                            render_kw={"autocomplete": "new-password"})
    # Unticked (the default), the change revokes the user's API tokens: whoever knew the old password may
    # have made one.
    keep_tokens = BooleanField(_l("내 API 토큰은 그대로 둡니다"))


class TokenForm(FlaskForm):
    name = StringField(_l("토큰 이름"), validators=[DataRequired(_l("토큰 이름을 입력해 주세요.")),
                                                Length(max=MAX_NAME_LENGTH)],
                       render_kw={"autocomplete": "off", "maxlength": MAX_NAME_LENGTH})
    days = IntegerField(_l("유효 기간(일)"),
                        validators=[DataRequired(_l("유효 기간을 입력해 주세요.")),
                                    NumberRange(1, MAX_TOKEN_DAYS,
                                                _l("유효 기간은 %(min)s일에서 %(max)s일 사이여야 합니다."))],
                        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_TOKEN_DAYS})
