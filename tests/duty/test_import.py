from __future__ import annotations

from sqlalchemy import func, select

from core.directory.importer import ImportFileError
from core.duty.importer import import_file
from core.models.duty import Duty
from extensions import db
from tests.duty.conftest import DUTY_SAMPLE

HEAD = "날짜,근무,시작,종료,성명,이메일,직통전화,부서,장소,비고\n"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Duty))


def test_sample_imports_and_reimport_is_unchanged(app, directory, clock):
    clock.set_kst(2026, 12, 1, 9)
    report = import_file(db.session, DUTY_SAMPLE.read_bytes(), "duty-sample.csv")
    db.session.commit()
    assert report.added > 40, report.as_dict()
    assert report.added + len(report.rejected) == 54
    night = db.session.scalars(select(Duty).where(Duty.kind == "당직(숙직)").order_by(Duty.starts_at)).first()
    assert (night.ends_at - night.starts_at).total_seconds() == 15 * 3600      # ends the next morning
    again = import_file(db.session, DUTY_SAMPLE.read_bytes(), "duty-sample.csv")
    assert again.added == 0 and again.updated == 0 and again.unchanged == report.added


def test_every_kind_of_bad_row(app, directory, clock):
    clock.set_kst(2026, 12, 1, 9)
    rows = [
        "2027-01-04,당직(일직),09:00,18:00,이미숙,,031-8075-2939,민원여권과,시청 당직실,",      # 2 good
        "2027-13-04,당직(일직),09:00,18:00,이미숙,,031-8075-2939,민원여권과,시청 당직실,",      # 3 date
        "2027-01-05,당직(일직),9시,18:00,이미숙,,031-8075-2939,민원여권과,시청 당직실,",        # 4 time
        "2027-01-05,,09:00,18:00,이미숙,,031-8075-2939,민원여권과,시청 당직실,",                # 5 kind
        "2027-01-05,당직(일직),09:00,18:00,,,031-8075-2939,민원여권과,시청 당직실,",            # 6 name
        "2027-01-05,당직(일직),09:00,18:00,이미숙,,,민원여권과,시청 당직실,",                   # 7 no key
        "2027-01-05,당직(일직),09:00,18:00,이미숙,nobody@example.go.kr,,민원여권과,시청 당직실,",  # 8 unknown
        "2027-01-05,당직(일직),09:00,18:00,홍길동,,031-8075-2939,민원여권과,시청 당직실,",      # 9 name differs
        "2027-01-05,당직(일직),09:00,18:00,이미숙,,031-8075-2939,없는과,시청 당직실,",          # 10 department
        "2027-01-04,당직(일직),09:00,18:00,이미숙,,031-8075-2939,민원여권과,시청 당직실,",      # 11 same as 2
        "2027-01-04,비상근무,10:00,12:00,이미숙,,031-8075-2939,민원여권과,민원여권과,",          # 12 overlap
        "2027-01-05,당직(일직),09:00,18:00,이미숙,,031-8075-2939,민원여권과,시청 당직실,,extra",  # 13 columns
        "2027-01-05,당직(일직),09:00,18:00,이미숙,,abc,민원여권과,시청 당직실,",                # 14 phone
    ]
    report = import_file(db.session, (HEAD + "\n".join(rows) + "\n").encode(), "bad.csv")
    assert report.added == 1
    assert [r.row for r in report.rejected] == list(range(3, 15))
    reasons = [r.reason for r in report.rejected]
    assert "날짜" in reasons[0] and "시작" in reasons[1] and "근무가 비어" in reasons[2]
    assert "성명이 디렉터리와 다릅니다" in reasons[6] and "부서" in reasons[7] and "같은 시간" in reasons[9]


def test_unreadable_file_changes_nothing(app, directory):
    for data in (b"\x00\x01\x02garbage", "이름,전화\n김,1\n".encode(), HEAD.encode()):
        try:
            import_file(db.session, data, "broken.csv")
        except ImportFileError as exc:
            assert str(exc)
        else:
            raise AssertionError("an unreadable file must raise")
        db.session.rollback()
        assert _count() == 0


def test_cli(app, directory, runner, clock):
    clock.set_kst(2026, 12, 1, 9)
    result = runner.invoke(args=["duty", "import", str(DUTY_SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "추가" in result.output and "거부" in result.output
    assert _count() > 40


def _wait(task_id: int):
    import time

    from core.models.tasks import TaskRun
    for _ in range(400):
        task = db.session.get(TaskRun, task_id)
        db.session.refresh(task)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError("import task did not finish")


def test_console_import_with_progress(app, directory, job_worker, client, login, make_user, clock):
    import io

    from core.models.tasks import TaskRun
    from tests.conftest import csrf_token_from
    clock.set_kst(2026, 12, 1, 9)
    mine = directory["staff5021@example.go.kr"].department_id
    make_user("boss", role="dept_admin", department_id=mine)
    login("boss")
    page = client.get("/admin/duty/import").get_data(as_text=True)
    token = csrf_token_from(page)
    bad = client.post("/admin/duty/import", headers={"HX-Request": "true"},
                      data={"csrf_token": token, "file": (io.BytesIO(b"\x00garbage"), "x.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    assert _count() == 0
    answer = client.post("/admin/duty/import", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "file": (io.BytesIO(DUTY_SAMPLE.read_bytes()), "duty.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and 'class="task"' in answer.get_data(as_text=True)
    task = _wait(db.session.scalar(select(TaskRun.id).filter_by(kind="duty_import")))
    assert task.status == "done", task.error
    assert 0 < task.result["added"] < 20                               # only 민원여권과's rows
    assert any(r["reason"] == "다른 부서의 근무는 가져올 수 없습니다." for r in task.result["rejected"])
    progress = client.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "완료" in progress and "거부" in progress
    db.session.expire_all()
    assert {d.department_id for d in db.session.scalars(select(Duty))} == {mine}
    recent = client.get("/admin/duty/import").get_data(as_text=True)
    assert "최근 가져오기" in recent and "duty.csv · 완료 (추가 " in " ".join(recent.split())
