"""Readable labels for the audit log's action codes, grouped by category.

A code's category is the part before its first dot (``lettering.call.view`` is ``lettering``); the sign-in
codes recorded before that rule (``login``, ``logout``, ``token_issued`` ...) have no dot and are listed in
``UNDOTTED``. Labels are Korean msgids (``N_``) that the web layer translates for the reader; a code with no
label is shown as itself. ``tests/foundation/test_audit_labels.py`` fails for a code recorded anywhere in the
source without a label here.
"""
from __future__ import annotations

from core.i18n import N_

CATEGORIES: dict[str, str] = {
    "auth": N_("로그인"),
    "admin": N_("계정"),
    "settings": N_("설정"),
    "board": N_("게시판"),
    "emergency": N_("비상연락망"),
    "push": N_("푸시 알림"),
    "document": N_("문서"),
    "cards": N_("명함"),
    "duty": N_("근무"),
    "menu": N_("식단"),
    "lettering": N_("레터링"),
    "directory": N_("연락처"),
    "group": N_("그룹"),
    "audit": N_("감사 로그"),
}

# Codes without a dot, and the category each belongs to.
UNDOTTED: dict[str, str] = {
    "login": "auth", "login_bad_credentials": "auth", "login_locked": "auth", "login_inactive": "auth",
    "logout": "auth", "password_changed": "auth", "sessions_ended": "auth", "token_issued": "auth",
    "token_revoked": "auth", "setting_changed": "settings",
}

ACTIONS: dict[str, str] = {
    # auth (blueprints/auth)
    "login": N_("로그인"),
    "login_bad_credentials": N_("로그인 실패(아이디 또는 비밀번호 틀림)"),
    "login_locked": N_("로그인 실패(계정 잠김)"),
    "login_inactive": N_("로그인 실패(사용 중지된 계정)"),
    "logout": N_("로그아웃"),
    "password_changed": N_("비밀번호 변경"),
    "sessions_ended": N_("다른 기기에서 로그아웃"),
    "token_issued": N_("API 토큰 발급"),
    "token_revoked": N_("API 토큰 폐기"),
    "setting_changed": N_("설정 변경"),
    # admin (blueprints/admin/users.py)
    "admin.user.create": N_("계정 만들기"),
    "admin.user.role": N_("역할 변경"),
    "admin.user.department": N_("소속 부서 변경"),
    "admin.user.disable": N_("계정 사용 중지"),
    "admin.user.enable": N_("계정 다시 사용"),
    "admin.user.unlock": N_("계정 잠금 해제"),
    "admin.user.password_reset": N_("비밀번호 초기화"),
    "admin.user.token_revoke": N_("사용자의 API 토큰 폐기"),
    # board
    "board.post.create": N_("게시글 올리기"),
    "board.post.update": N_("게시글 수정"),
    "board.post.delete": N_("게시글 삭제"),
    "board.feed.save": N_("게시판 연동 저장"),
    "board.feed.sync": N_("게시판 연동 가져오기"),
    # emergency
    "emergency.group_created": N_("비상연락망 그룹 만들기"),
    "emergency.group_updated": N_("비상연락망 그룹 수정"),
    "emergency.group_deleted": N_("비상연락망 그룹 삭제"),
    "emergency.callout_started": N_("비상 호출 시작"),
    "emergency.answered": N_("비상 호출 응답"),
    "emergency.callout_closed": N_("비상 호출 종료"),
    "emergency.escalated": N_("비상 호출 대리인 호출(미응답)"),
    # push
    "push.send": N_("푸시 알림 보내기"),
    # documents (viewer)
    "document.upload": N_("문서 올리기"),
    "document.share": N_("문서 공유"),
    "document.revoke": N_("문서 회수"),
    # cards
    "cards.show_mobile": N_("명함 휴대전화 표시 변경"),
    "cards.policy_link.save": N_("명함 정책 링크 저장"),
    # duty
    "duty.add": N_("근무 추가"),
    "duty.move": N_("근무 옮기기"),
    "duty.remove": N_("근무 삭제"),
    "duty.import": N_("근무표 가져오기"),
    # menu
    "menu.import": N_("식단 가져오기"),
    "menu.edit": N_("식단 편집"),
    # lettering
    "lettering.job.retry": N_("실패한 작업 다시 시도"),
    "lettering.line.save": N_("회선 저장"),
    "lettering.lines.import": N_("회선 가져오기"),
    "lettering.lines.bulk": N_("회선 일괄 작업"),
    "lettering.call.view": N_("통화 처리 과정 조회"),
    "lettering.optout.add": N_("수신 거부 등록"),
    "lettering.optout.undo": N_("수신 거부 취소"),
    "lettering.template.save": N_("알림톡 템플릿 저장"),
    "lettering.template.status": N_("알림톡 템플릿 검수 상태 기록"),
    "lettering.campaign.create": N_("캠페인 만들기"),
    "lettering.campaign.update": N_("캠페인 수정"),
    "lettering.campaign.pause": N_("캠페인 중지"),
    "lettering.campaign.resume": N_("캠페인 시작"),
    "lettering.campaign.archive": N_("캠페인 보관"),
    "lettering.campaign.image_add": N_("캠페인 카드뉴스 올리기"),
    "lettering.campaign.image_remove": N_("캠페인 카드뉴스 빼기"),
    "lettering.campaign.image_move": N_("캠페인 카드뉴스 순서 바꾸기"),
    # directory
    "directory.import": N_("연락처 가져오기"),
    # groups
    "group.create": N_("그룹 만들기"),
    "group.update": N_("그룹 수정"),
    "group.members": N_("그룹 구성원 변경"),
    "group.delete": N_("그룹 삭제"),
    # the audit log itself
    "audit.export": N_("감사 로그 CSV 내보내기"),
}


def category_of(code: str) -> str:
    """The category of an action code: before the first dot, or from ``UNDOTTED``; "" when unknown."""
    if "." in code:
        return code.split(".", 1)[0]
    return UNDOTTED.get(code, "")


def action_label(code: str) -> str:
    """The Korean msgid for ``code``, or the code itself when it has no label (shown as recorded)."""
    return ACTIONS.get(code, code)


def category_label(category: str) -> str:
    return CATEGORIES.get(category, category)


def undotted_codes(category: str) -> list[str]:
    """The codes without a dot that belong to ``category`` (for the category filter)."""
    return sorted(code for code, cat in UNDOTTED.items() if cat == category)
