"""Demo documents for the secure viewer: a Korean notice for all staff, a department memo, a staff group."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.documents.service import ViewerConfig, create_document, process_document, set_shares
from core.groups import create_group
from core.models.accounts import User
from core.models.documents import Document
from core.models.groups import StaffGroup
from core.models.organization import Department

ORDER = 60

NOTICE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>겨울철 제설 대책</title>
<style>h1 { font-size: 20pt; color: #0b5cad; } table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #888; padding: 4pt 6pt; } th { background: #eef2f6; }</style></head><body>
<h1>2026년 겨울철 제설 대책 추진 계획</h1>
<p>고양특례시는 2026년 12월 1일부터 2027년 3월 15일까지 겨울철 제설 대책 기간을 운영합니다.
각 부서와 구청, 행정복지센터는 아래 사항을 확인하여 주시기 바랍니다.</p>
<h2>1. 비상근무 단계</h2>
<table><tr><th>단계</th><th>기준</th><th>근무 인원</th></tr>
<tr><td>준비</td><td>대설 예비특보</td><td>담당 부서 1/5</td></tr>
<tr><td>1단계</td><td>대설주의보</td><td>담당 부서 1/3</td></tr>
<tr><td>2단계</td><td>대설경보</td><td>전 직원의 1/2</td></tr></table>
<h2>2. 중점 관리 구간</h2>
<p>자유로 진입로, 고양대로 고갯길, 일산동구 정발산로, 덕양구 통일로 구간은 강설 예보 시 사전 살포합니다.</p>
<p>문의: 안전건설국 재난대응과 031-8075-2114</p></body></html>"""

MEMO = """교통정책과 업무 분장 (내부용)

1. 교통정책 수립 및 교통영향평가: 김민준 주무관
2. 교통안전시설 관리: 담당 주무관
3. 자전거 정책 및 공영자전거 운영: 담당 주무관

※ 이 문서는 부서 내부 열람용이며 외부 유출을 금합니다.
"""


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    cfg = ViewerConfig.from_settings(settings)
    admin = session.scalar(select(User).filter_by(username="admin"))
    created = []
    specs = [("2026년 겨울철 제설 대책 추진 계획", "제설대책.html", NOTICE.encode(), {"all_staff": True}),
             ("교통정책과 업무 분장", "업무분장.txt", MEMO.encode(), {"department_ids": [
                 d.id for d in session.scalars(select(Department).filter_by(name="교통정책과")).all()[:1]]})]
    for title, filename, data, audience in specs:
        if session.scalar(select(Document.id).filter_by(title=title, source="demo")):
            continue
        document = create_document(session, cfg, filename=filename, data=data, title=title, owner=admin,
                                   source="demo")
        set_shares(session, document, **audience)
        session.commit()
        process_document(session, cfg, document.id)
        created.append(document.id)
    group = "재난대응 1조"
    if not session.scalar(select(StaffGroup.id).filter_by(name=group)):
        members = [u for u in ("admin", "staff") if session.scalar(select(User.id).filter_by(username=u))]
        create_group(session, group, members, description="겨울철 제설·재난 비상연락 그룹", created_by=admin)
    return {"documents_created": created}
