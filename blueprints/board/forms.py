"""The console's post form. Only its plain fields are declared here; the audience comes from
``web.audience_form`` and the checks that need the database or the clock live in ``core.board.writing``."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from core.board.writing import DEFAULT_BOARD


class PostForm(FlaskForm):
    title = StringField(_l("제목"))
    board = StringField(_l("게시판"), default=DEFAULT_BOARD)
    body = TextAreaField(_l("본문"))
    important = BooleanField(_l("중요 공지 (게시하면 대상 직원에게 알림을 보냅니다)"))
    display_from = StringField(_l("게시 시작 (비우면 바로)"))
    display_until = StringField(_l("게시 종료 (비우면 계속)"))


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
