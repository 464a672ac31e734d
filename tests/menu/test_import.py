"""The menu import: good rows, every kind of bad row, files that cannot be read (nothing changes), XLSX, the CLI
and the console's upload run by the worker."""
from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.menu.importer import MenuFileError, import_file
from core.models.menu import Cafeteria, Meal, MenuDish
from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import csrf_token_from

HEADER = "식당,날짜,식사,메뉴,열량,식수\n"


def _import(app, text: str, name: str = "m.csv"):
    with app.app_context():
        report = import_file(db.session, text.encode("utf-8"), name)
        db.session.commit()
        return report


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Cafeteria, Meal, MenuDish))


def test_sample_imports_then_is_unchanged(app, sample_week, sample_bytes):
    assert (sample_week.added, sample_week.updated, len(sample_week.rejected)) == (20, 0, 0)
    with app.app_context():
        names = db.session.scalars(select(Cafeteria.name).order_by(Cafeteria.position)).all()
        assert names == ["시청 본관", "일산동구청"]
        soup = db.session.scalar(select(MenuDish).where(MenuDish.name == "두부새우젓국"))
        assert soup.numbers == (5, 9, 18)
        lunch = db.session.get(Meal, soup.meal_id)
        assert (lunch.meal, lunch.calories, lunch.servings) == ("lunch", 812.7, 90)
        again = import_file(db.session, sample_bytes, "menu-sample.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 20)


def test_changed_meal_is_updated(app, sample_week):
    report = _import(app, HEADER + '시청 본관,2027-01-04,중식,"쌀밥\n미역국 (5.6)",700,100\n')
    assert (report.added, report.updated) == (0, 1)
    with app.app_context():
        meal = db.session.scalar(select(Meal).where(Meal.meal == "lunch", Meal.servings == 100))
        assert [(d.name, d.allergens) for d in meal.dishes] == [("쌀밥", ""), ("미역국", "5.6")]


def test_every_kind_of_bad_row_is_rejected_with_its_row(app):
    report = _import(app, HEADER
                     + '시청 본관,2027-01-04,중식,"쌀밥\n김치 (9.13)",,\n'           # 2: good
                     + '시청 본관,2027-01-05,중식,"쌀밥\n수상한찌개 (5.20)",,\n'     # 3: unknown allergen
                     + '시청 본관,2027-13-05,중식,쌀밥,,\n'                           # 4: bad date
                     + '시청 본관,내일,중식,쌀밥,,\n'                                 # 5: not a date
                     + '시청 본관,2027-01-05,야식,쌀밥,,\n'                           # 6: unknown meal
                     + '시청 본관,2027-01-05,석식,,,\n'                               # 7: no dishes
                     + ',2027-01-05,석식,쌀밥,,\n'                                    # 8: no cafeteria
                     + '시청 본관,2027-01-04,중식,쌀밥,,\n'                           # 9: same as row 2
                     + '시청 본관,2027-01-06,중식,쌀밥,많음,\n'                       # 10: calories not a number
                     + '시청 본관,2027-01-06,석식,쌀밥,,-3\n'                         # 11: negative servings
                     + '시청 본관,2027-01-07,중식,"쌀밥 (1.x)",,\n')                  # 12: not a number
    assert report.added == 1
    reasons = {r.row: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "알 수 없는 알레르기 번호 20" in reasons[3] and "수상한찌개" in reasons[3]
    assert "날짜 형식" in reasons[4] and "날짜 형식" in reasons[5]
    assert "조식, 중식, 석식" in reasons[6]
    assert "메뉴가 비어" in reasons[7]
    assert "식당이 비어" in reasons[8]
    assert "2행과" in reasons[9]
    assert "열량" in reasons[10] and "식수" in reasons[11]
    assert "알 수 없는 알레르기 번호 x" in reasons[12]
    assert report.as_dict()["rejected_count"] == 10


@pytest.mark.parametrize(("data", "name", "expected"), [
    ("식당,날짜,메뉴\n시청 본관,2027-01-04,쌀밥\n".encode(), "m.csv", "식사"),
    (HEADER.encode(), "m.csv", "데이터 행이 없습니다"),
    (b"PK\x03\x04 not really a zip", "m.xlsx", "XLSX 파일을 열 수 없습니다"),
    (b"", "m.csv", ""),
])
def test_unreadable_file_changes_nothing(app, sample_week, data, name, expected):
    before = _counts(app)
    with app.app_context(), pytest.raises(MenuFileError) as caught:
        import_file(db.session, data, name)
    assert expected in str(caught.value)
    assert _counts(app) == before


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_a_date_cell_and_numbers(app):
    from datetime import datetime
    data = _xlsx([["식당", "날짜", "식사", "메뉴", "열량", "식수"],
                  ["시청 본관", datetime(2027, 1, 4), "중식", "쌀밥\n계란국 (1.5)", 812.7, 90],
                  ["시청 본관", "2027-01-05", "중식", "쌀밥\n새우튀김 (1.5.6.9.33)", None, None]])
    with app.app_context():
        report = import_file(db.session, data, "menu.xlsx")
        db.session.commit()
        meal = db.session.scalar(select(Meal))
        assert (meal.day.isoformat(), meal.calories, meal.servings) == ("2027-01-04", 812.7, 90)
    assert report.added == 1
    assert [r.row for r in report.rejected] == [3] and "33" in report.rejected[0].reason


def test_cli_import(app, runner, sample_week, tmp_path):
    good = tmp_path / "menu.csv"
    good.write_text(HEADER + "시청 본관,2027-01-11,중식,쌀밥 (99),,\n시청 본관,2027-01-11,석식,쌀밥,,\n", "utf-8")
    result = runner.invoke(args=["menu", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "추가 1" in result.output and "거부 1" in result.output and "2행" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("이름,값\n가,나\n", "utf-8")
    before = _counts(app)
    result = runner.invoke(args=["menu", "import", str(bad)])
    assert result.exit_code != 0 and "아무것도 바꾸지 않았습니다" in result.output
    assert _counts(app) == before


def test_console_upload_runs_in_the_worker(app, client, make_user, login, job_worker, sample_bytes):
    make_user("chef", role="admin")
    login("chef")
    page = client.get("/admin/menu/import")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    bad = client.post("/admin/menu/import", data={"csrf_token": token, "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                      headers={"HX-Request": "true"}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "필요한 열이 없습니다" in bad.get_data(as_text=True)
    answer = client.post("/admin/menu/import", data={"csrf_token": token,
                                                     "file": (io.BytesIO(sample_bytes), "menu-sample.csv")},
                         headers={"HX-Request": "true"}, content_type="multipart/form-data")
    assert answer.status_code == 200 and "식단 가져오기: menu-sample.csv" in answer.get_data(as_text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with app.app_context():
            run = db.session.scalar(select(TaskRun).where(TaskRun.kind == "menu_import"))
            if run.status in ("done", "failed"):
                break
        time.sleep(0.2)
    assert run.status == "done", run.error
    assert run.result["added"] == 20
    progress = client.get(f"/admin/tasks/{run.id}", headers={"HX-Request": "true"})
    assert "추가" in progress.get_data(as_text=True)
