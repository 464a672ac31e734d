from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from core.directory.voice import MAX_TRANSCRIPT


class ImportForm(FlaskForm):
    file = FileField(_l("연락처 파일 (CSV 또는 XLSX)"), validators=[
        FileRequired(_l("올릴 파일을 골라 주세요.")),
        FileAllowed(["csv", "xlsx"], _l("CSV 또는 XLSX 파일만 올릴 수 있습니다.")),
    ], render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class VoiceForm(FlaskForm):
    transcript = StringField(_l("음성/문장으로 찾기"), validators=[
        DataRequired(_l("찾을 사람을 말하거나 적어 주세요.")),
        Length(max=MAX_TRANSCRIPT, message=_l("문장이 너무 깁니다 (최대 %(max)d자).")),
    ], render_kw={"placeholder": _l("예: 교통정책과 김민준 주무관 연결해 줘"), "autocomplete": "off",
                  "enterkeyhint": "search"})
