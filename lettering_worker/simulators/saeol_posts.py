"""The Saeol simulator's demo content: three boards of Korean posts and the live posts that keep coming.

Seed posts are placed relative to the simulator's start; live post ``n`` is fixed by ``n`` alone (which
template, whether it is important, whether it edits the previous one), so a run is the same every time for
the same clock.
"""
from __future__ import annotations

from typing import Any

JSON_BOARDS = ("공지사항", "인사발령")       # carried by the JSON feed (§4)
RSS_ONLY_BOARDS = ("행사·교육",)             # published only as RSS 2.0
BOARDS = JSON_BOARDS + RSS_ONLY_BOARDS

PDF_STYLE = ("@page { size: A4; margin: 20mm; } body { font-family: NanumGothic; font-size: 11pt; line-height: 1.6; }"
             " h1 { font-size: 18pt; color: #0b5cad; } table { border-collapse: collapse; width: 100%; }"
             " th, td { border: 1px solid #777; padding: 3pt 5pt; } th { background: #eef2f6; }")


def pdf_html(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><style>{PDF_STYLE}</style></head>'
            f"<body><h1>{title}</h1>{body}</body></html>")


# (hours before the start, fields); "edit_hours" re-posts it later with "edit", "delete_hours" deletes it.
SEED: list[dict[str, Any]] = [
    {"id": "B-2026-000101", "board": "공지사항", "hours": 30, "important": True, "author": "이서연",
     "department": "총무과", "title": "2026년 시무식 및 신년 인사회 개최 안내",
     "body_html": "<p>2026년 병오년 시무식을 아래와 같이 개최하오니 직원 여러분의 많은 참석 바랍니다.</p>"
                  "<ul><li>일시: 1월 2일(금) 09:30</li><li>장소: 시청 대회의실</li>"
                  "<li>대상: 전 직원(부서별 필수 인원 제외)</li></ul>",
     "attachments": [{"id": "F-1001", "filename": "2026년_시무식_진행계획.pdf",
                      "html": pdf_html("2026년 시무식 진행 계획",
                                       "<table><tr><th>시간</th><th>내용</th></tr>"
                                       "<tr><td>09:30</td><td>국민의례</td></tr>"
                                       "<tr><td>09:40</td><td>시장 신년사</td></tr>"
                                       "<tr><td>10:00</td><td>유공 공무원 표창</td></tr></table>"
                                       "<p>문의: 총무과 031-8075-2000</p>")}]},
    {"id": "B-2026-000102", "board": "공지사항", "hours": 26, "important": False, "author": "박지훈",
     "department": "정보통신과", "title": "행정망 정기 점검에 따른 서비스 일시 중단 안내",
     "body_html": "<p>행정망 장비 정기 점검으로 <strong>토요일 22:00~24:00</strong> 동안 새올행정시스템과 "
                  "전자결재 접속이 중단됩니다.</p><p>업무에 참고하시기 바랍니다.</p>",
     "edit_hours": 20,
     "edit": {"body_html": "<p>행정망 장비 정기 점검으로 <strong>토요일 22:00~다음 날 01:00</strong> 동안 "
                           "새올행정시스템과 전자결재 접속이 중단됩니다. (종료 시각 변경)</p>"
                           "<p>업무에 참고하시기 바랍니다.</p>"}},
    {"id": "B-2026-000103", "board": "공지사항", "hours": 25, "important": True, "author": "최유진",
     "department": "재난안전과", "title": "겨울철 한파 대비 비상근무 체계 운영",
     "body_html": "<p>한파특보 발령 시 비상근무 체계를 운영합니다. 부서별 비상연락망을 확인해 주십시오.</p>"
                  "<ol><li>한파주의보: 담당 부서 1/5 근무</li><li>한파경보: 전 부서 1/3 근무</li></ol>"
                  '<p><img src="https://example.com/tracking.gif" alt="한파 행동요령 그림"></p>',
     "attachments": [{"id": "F-1002", "filename": "한파_비상근무_계획.pdf",
                      "html": pdf_html("한파 대비 비상근무 계획",
                                       "<p>한파특보 발령 시 각 부서는 비상근무 명단을 재난안전과에 제출합니다.</p>"
                                       "<table><tr><th>단계</th><th>기준</th><th>근무</th></tr>"
                                       "<tr><td>1단계</td><td>한파주의보</td><td>1/5</td></tr>"
                                       "<tr><td>2단계</td><td>한파경보</td><td>1/3</td></tr></table>")}]},
    {"id": "B-2026-000104", "board": "공지사항", "hours": 12, "important": False, "author": "김하늘",
     "department": "총무과", "title": "구내식당 운영 시간 변경 안내",
     "body_html": "<p>다음 주부터 구내식당 점심 운영 시간이 11:30~13:30으로 변경됩니다.</p>"},
    {"id": "B-2026-000105", "board": "공지사항", "hours": 10, "important": False, "author": "김하늘",
     "department": "총무과", "title": "[취소] 주차장 도색 공사 안내",
     "body_html": "<p>주차장 도색 공사 일정이 취소되었습니다.</p>", "delete_hours": 8},
    {"id": "B-2026-000201", "board": "인사발령", "hours": 28, "important": True, "author": "정민호",
     "department": "인사과", "title": "2026년 상반기 정기인사 발령",
     "body_html": "<p>2026년 상반기 정기인사 발령 사항을 붙임과 같이 알려 드립니다.</p>"
                  "<p>발령일자: 2026. 1. 5.</p>",
     "attachments": [{"id": "F-2001", "filename": "2026년_상반기_정기인사_명단.pdf",
                      "html": pdf_html("2026년 상반기 정기인사 발령 명단",
                                       "<table><tr><th>성명</th><th>현 소속</th><th>발령 소속</th></tr>"
                                       "<tr><td>김민준</td><td>교통정책과</td><td>교통정책과(유임)</td></tr>"
                                       "<tr><td>이서연</td><td>총무과</td><td>인사과</td></tr>"
                                       "<tr><td>박지훈</td><td>정보통신과</td><td>스마트도시과</td></tr>"
                                       "</table>")}]},
    {"id": "B-2026-000202", "board": "인사발령", "hours": 6, "important": False, "author": "정민호",
     "department": "인사과", "title": "시간선택제 임기제공무원 임용",
     "body_html": "<p>시간선택제 임기제공무원(다급) 임용 사항을 알려 드립니다.</p>"},
    {"id": "E-2026-000301", "board": "행사·교육", "hours": 27, "important": False, "author": "윤서아",
     "department": "교육협력과", "title": "2026년 공직자 청렴교육 신청 안내",
     "body_html": "<p>공직자 청렴교육(온라인, 2시간)을 1월 31일까지 이수해 주시기 바랍니다.</p>",
     "attachments": [{"id": "F-3001", "filename": "청렴교육_안내문.pdf",
                      "html": pdf_html("2026년 공직자 청렴교육",
                                       "<p>교육 기간: 1월 5일 ~ 1월 31일</p><p>교육 방법: 나라배움터 온라인</p>")}]},
    {"id": "E-2026-000302", "board": "행사·교육", "hours": 14, "important": False, "author": "윤서아",
     "department": "교육협력과", "title": "고양 호수공원 겨울 빛 축제 자원봉사자 모집",
     "body_html": "<p>호수공원 겨울 빛 축제 기간 중 안내 자원봉사에 참여할 직원을 모집합니다.</p>"},
    {"id": "E-2026-000303", "board": "행사·교육", "hours": 4, "important": False, "author": "한도윤",
     "department": "스마트도시과", "title": "생성형 AI 업무 활용 교육(실습)",
     "body_html": "<p>생성형 AI를 활용한 보고서 작성 실습 교육을 진행합니다. 정원 30명, 선착순 마감.</p>"},
]

# Live posts: one every ``live_seconds`` of the simulator's clock, cycling through these.
LIVE: list[dict[str, Any]] = [
    {"board": "공지사항", "department": "재난안전과", "author": "최유진", "important": True,
     "title": "[긴급] 대설주의보 발령에 따른 비상근무 1단계",
     "body_html": "<p>오늘 대설주의보가 발령되었습니다. 비상근무 1단계에 따라 부서별 1/5 인원은 대기해 주십시오.</p>"},
    {"board": "인사발령", "department": "인사과", "author": "정민호", "important": False,
     "title": "직무대리 지정 알림",
     "body_html": "<p>교통정책과장 직무대리를 아래와 같이 지정합니다.</p>"},
    {"board": "행사·교육", "department": "교육협력과", "author": "윤서아", "important": False,
     "title": "신규 공무원 멘토링 프로그램 참가자 모집",
     "body_html": "<p>입직 1년 미만 공무원을 위한 멘토링 프로그램 참가자를 모집합니다.</p>"},
    {"board": "공지사항", "department": "총무과", "author": "이서연", "important": False,
     "title": "청사 엘리베이터 정기 점검 안내",
     "body_html": "<p>본관 2호기 엘리베이터를 오늘 14:00~16:00 점검합니다.</p>"},
    {"board": "공지사항", "department": "정보통신과", "author": "박지훈", "important": True,
     "title": "업무용 PC 보안 업데이트 필수 설치 안내",
     "body_html": "<p>보안 취약점 조치를 위해 오늘 중 업무용 PC 보안 업데이트를 설치해 주십시오.</p>"},
]
EDIT_EVERY = 4     # every 4th live tick edits the previous live post instead of adding one


def live_change(n: int) -> dict[str, Any]:
    """Live tick ``n`` (from 1): a new post, or every ``EDIT_EVERY``-th tick an edit of the post before it."""
    if n % EDIT_EVERY == 0:
        before = live_change(n - 1)
        return {**before, "body_html": before["body_html"] + "<p>(내용 보완: 담당자 연락처 031-8075-3000)</p>"}
    template = LIVE[(n - 1) % len(LIVE)]
    board_prefix = "E" if template["board"] in RSS_ONLY_BOARDS else "B"
    return {**template, "id": f"{board_prefix}-LIVE-{n:06d}", "title": f"{template['title']} ({n}호)"}
