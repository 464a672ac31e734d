"""Korean labels for the call states the engine records (core.models.calls)."""
from flask_babel import lazy_gettext as _l

from core.lettering.policy import REASONS

LETTERING = {
    "pending": _l("처리 중"), "accepted": _l("표시됨"), "unsupported_device": _l("미지원 단말"),
    "not_subscriber": _l("미가입"), "failed": _l("실패"), "opted_out": _l("수신 거부"), "no_line": _l("미등록 회선"),
    "holdout": _l("홀드아웃(비교군)"), "incoming": _l("수신 전화"),
}
OUTCOME = {"answered": _l("통화 연결"), "missed": _l("부재중"), "ended": _l("종료")}
ALIMTALK = {
    "queued": _l("대기"), "held": _l("보류(야간)"), "sending": _l("발송 중"), "sent": _l("발송"),
    "delivered": _l("전달됨"),
    "failed": _l("실패"), "not_kakao_user": _l("카카오톡 미사용"), "template_error": _l("템플릿 오류"),
    "dropped": _l("폐기"), "error": _l("오류"),
}
DECISION = {"send": _l("발송"), "hold": _l("보류"), "skip": _l("발송 안 함"), "drop": _l("폐기")}
RECEIPT = {"not_displayed": _l("표시 안 됨"), "displayed": _l("표시됨"),
           "after_call_displayed": _l("통화 후 화면까지 표시")}
LOG_KIND = {"event": _l("PBX"), "carrier": _l("통신사"), "state": _l("통화 상태"), "fallback": _l("대체 발송 판단"),
            "alimtalk": _l("알림톡"), "receipt": _l("수신 확인")}
# Why the fallback was decided as it was: the msgids live in core, marked for extraction.
REASON = {code: _l(label) for code, label in REASONS.items()}
