from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class OfflineSettingsForm(FlaskForm):
    include_mobile = BooleanField(_l("오프라인 연락처에 휴대전화 번호 포함"))
