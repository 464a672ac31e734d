"""The console import page with progress, the CLI import and the demo organisation."""
import io
import time
from pathlib import Path

from sqlalchemy import func, select

from core.accounts import SignIn, authenticate
from core.demo import organization
from core.directory import published
from core.directory.importer import import_rows, read_rows, rows_to_csv
from core.models.accounts import User
from core.models.organization import Department, Person
from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from
from tests.directory.conftest import SAMPLE


def wait_for(task_id: int) -> TaskRun:
    for _ in range(400):
        task = db.session.get(TaskRun, task_id)
        db.session.refresh(task)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError("import task did not finish")


def people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_console_import_with_progress_and_report(job_worker, admin_client, sample_bytes):
    page = admin_client.get("/admin/directory/import")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "연락처 가져오기" in html and 'type="file"' in html
    token = csrf_token_from(html)
    bad_row = "홍오류,고양특례시,복지국,노인복지과,주무관,,,7001,031-80,,bad@example.go.kr\n"
    broken = sample_bytes.rstrip(b"\n") + b"\n" + bad_row.encode()
    response = admin_client.post("/admin/directory/import", headers={"HX-Request": "true"},
                                 data={"csrf_token": token, "file": (io.BytesIO(broken), "hr.csv")},
                                 content_type="multipart/form-data")
    assert response.status_code == 200 and 'class="task"' in response.get_data(as_text=True)
    task = wait_for(db.session.scalar(select(TaskRun.id).filter_by(kind="directory_import")))
    assert task.status == "done", task.error
    assert task.result["added"] == 42 and task.result["rejected_count"] == 1
    assert people() == 42
    progress = admin_client.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "완료" in progress and "every 1s" not in progress
    assert "추가" in progress and "거부" in progress
    assert "<td>44</td>" in progress and "직통전화 형식이 올바르지 않습니다" in progress


def test_console_import_rejects_unreadable_file(admin_client, sample_bytes):
    token = csrf_token_from(admin_client.get("/admin/directory/import").get_data(as_text=True))
    response = admin_client.post("/admin/directory/import",
                                 data={"csrf_token": token, "file": (io.BytesIO(b"\x00\x01garbage"), "x.csv")},
                                 content_type="multipart/form-data")
    assert response.status_code == 400 and "CSV" in response.get_data(as_text=True)
    assert people() == 0 and db.session.scalar(select(func.count(TaskRun.id))) == 0
    wrong_type = admin_client.post("/admin/directory/import",
                                   data={"csrf_token": token, "file": (io.BytesIO(b"x"), "x.pdf")},
                                   content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert wrong_type.status_code == 400 and "CSV 또는 XLSX" in wrong_type.get_data(as_text=True)


def test_console_import_is_admin_only(client, make_user, login):
    make_user("clerk", role="dept_admin")
    login("clerk")
    assert client.get("/admin/directory/import").status_code == 403


def test_console_menu_links_import(admin_client):
    assert "/admin/directory/import" in admin_client.get("/admin/").get_data(as_text=True)


def test_cli_import_of_sample(runner):
    result = runner.invoke(args=["directory", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "추가 42" in result.output and "거부 0" in result.output
    assert people() == 42
    again = runner.invoke(args=["directory", "import", str(SAMPLE)])
    assert "변경 없음 42" in again.output and people() == 42


def test_cli_import_reports_rejections_and_bad_files(runner, tmp_path: Path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("성명,부서,이메일\n김하나,교통정책과,one@example.go.kr\n,교통정책과,two@example.go.kr\n")
    result = runner.invoke(args=["directory", "import", str(mixed)])
    assert result.exit_code == 0 and "추가 1" in result.output and "3행" in result.output and "성명" in result.output
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04junk")
    failed = runner.invoke(args=["directory", "import", str(junk)])
    assert failed.exit_code != 0 and "XLSX" in failed.output and people() == 1


def test_demo_rows_round_trip_through_csv():
    rows = organization.directory_rows()
    parsed = read_rows(rows_to_csv(rows).encode(), "demo.csv")
    assert len(parsed) == 5318 and parsed[0][0] == 2 and parsed[0][1]["성명"] == rows[0]["성명"]
    assert organization.directory_rows() == rows  # deterministic


def test_seed_demo_organisation(app):
    summary = organization.seed(db.session, app.config)
    db.session.commit()
    assert summary["rejected"] == 0 and summary["added"] == 5318
    assert set(summary["logins_created"]) == {"admin", "staff", "safety"}
    safety = db.session.scalar(select(User).filter_by(username="safety"))
    assert safety.role == "dept_admin" and db.session.get(Department, safety.department_id).name == "안전총괄과"
    staff = db.session.scalar(select(func.count(Person.id)).filter_by(kind="staff"))
    contacts = db.session.scalar(select(func.count(Person.id)).filter_by(kind="contact"))
    assert staff >= 5000 and contacts == 300
    centres = db.session.scalar(select(func.count(Department.id)).where(Department.name.like("%행정복지센터")))
    assert centres == 44
    districts = {d for d, in db.session.execute(select(Department.parent).where(Department.name.like("% 세무과")))}
    assert districts == {"덕양구", "일산동구", "일산서구"}
    assert db.session.scalar(select(func.count(func.distinct(Department.organization)))) >= 5
    for username, role in (("admin", "admin"), ("staff", "staff")):
        result, user = authenticate(db.session, username, PASSWORD)
        assert result is SignIn.OK and user.role == role and user.person_id and user.department_id
        assert user.employee_no and user.display_name
    staff_user = db.session.scalar(select(User).filter_by(username="staff"))
    kim = db.session.get(Person, staff_user.person_id)
    assert (kim.name, kim.title, kim.department.name) == ("김민준", "주무관", "교통정책과")

    again = organization.seed(db.session, app.config)
    db.session.commit()
    assert again["added"] == 0 and again["updated"] == 0 and again["unchanged"] == 5318
    assert again["logins_created"] == [] and people() == 5318


def test_seed_makes_voice_demo_work(app):
    organization.seed(db.session, app.config)
    db.session.commit()
    published.publish(db.session, published.folder_for(app.config))   # what the worker does next
    from core.directory.voice import voice_dial

    answer = voice_dial(db.session, "교통정책과 김민준 주무관 연결해 줘")
    assert answer["action"] == "call" and answer["candidates"][0]["name"] == "김민준"
    report = import_rows(db.session, [(2, {"성명": "테스트", "부서": "교통정책과", "이메일": "t@example.go.kr"})])
    assert report.added == 1
