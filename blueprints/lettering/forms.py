from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class LineForm(FlaskForm):
    number = StringField(_l("회선번호"), validators=[DataRequired(_l("회선번호를 입력해 주세요.")), Length(max=40)])
    extension = StringField(_l("내선"), validators=[Optional(), Length(max=16)])
    department = SelectField(_l("부서"), choices=[], validate_choice=True)
    # No Length here: WTForms would render maxlength, and a browser cuts a longer paste silently; the line rules
    # (core.lettering.lines_import.validate) refuse it and say why.
    institution = StringField(_l("표시기관명"), default="고양특례시")
    # The length is the line rule's (core.lettering.line_rules.message_problem), which says how long it is.
    message = StringField(_l("안내문구"), validators=[DataRequired(_l("안내문구를 입력해 주세요."))])
    logo_url = StringField(_l("로고 URL"), validators=[Optional(), Length(max=500)])
    active = BooleanField(_l("사용 중"), default=True)


class LinesImportForm(FlaskForm):
    file = FileField(_l("회선 파일 (CSV 또는 XLSX)"), validators=[
        FileRequired(_l("파일을 골라 주세요.")),
        FileAllowed(["csv", "xlsx"], _l("CSV 또는 XLSX 파일만 올릴 수 있습니다."))])


class OptOutForm(FlaskForm):
    number = StringField(_l("수신 거부할 번호"), validators=[DataRequired(_l("번호를 입력해 주세요.")), Length(max=40)])
