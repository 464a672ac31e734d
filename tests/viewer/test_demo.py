"""The demo seeder makes readable documents and a staff group, and is idempotent."""
import subprocess

from core.demo import documents as demo
from core.models.documents import Document
from core.models.groups import StaffGroup
from extensions import db


def test_demo_documents(app, make_user, departments):
    make_user("admin", role="admin", display_name="관리자")
    make_user("staff", display_name="김민준", department_id=departments["교통정책과"].id)
    first = demo.seed(db.session, app.config)
    db.session.commit()
    assert len(first["documents_created"]) == 2
    notice = db.session.query(Document).filter_by(title="2026년 겨울철 제설 대책 추진 계획").one()
    memo = db.session.query(Document).filter_by(title="교통정책과 업무 분장").one()
    assert notice.status == memo.status == "ready"
    assert [s.scope for s in notice.shares] == ["all"]
    assert [s.department.name for s in memo.shares] == ["교통정책과"]
    cfg_path = app.config["INSTANCE_PATH"] + "/documents/" + notice.pdf_path
    text = subprocess.run(["pdftotext", cfg_path, "-"], capture_output=True, check=True).stdout.decode()
    assert "겨울철 제설 대책" in text and "대설경보" in text
    group = db.session.query(StaffGroup).filter_by(name="재난대응 1조").one()
    assert sorted(m.user.username for m in group.members) == ["admin", "staff"]
    assert demo.seed(db.session, app.config) == {"documents_created": []}
