"""Random bytes and random rows never raise anything but the importer's own error, and pages never 500."""
from __future__ import annotations

import random

from core.directory.importer import ImportFileError
from core.duty.importer import import_file
from extensions import db

HEAD = "날짜,근무,시작,종료,성명,이메일,직통전화,부서,장소,비고\n"
CELLS = ["", "2027-01-04", "2027-02-30", "24:00", "09:00", "18:00", "이미숙", "staff5021@example.go.kr",
         "031-8075-2939", "민원여권과", "\"", "=cmd|' /C calc'!A0", "x" * 300, "\u200b", "０９:００", "-1", ","]


def test_random_files_and_rows(app, directory, clock):
    clock.set_kst(2026, 12, 1, 9)
    rng = random.Random(10)
    for _ in range(150):
        if rng.random() < 0.3:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        else:
            rows = [",".join(rng.choice(CELLS) for _ in range(rng.randrange(1, 12)))
                    for _ in range(rng.randrange(1, 6))]
            data = (HEAD + "\n".join(rows)).encode()
        try:
            report = import_file(db.session, data, "fuzz.csv")
        except ImportFileError:
            pass
        else:
            assert report.total >= 1
        db.session.rollback()


def test_pages_never_500(app, directory, make_user, client, login):
    make_user("boss", role="admin")
    login("boss")
    for path in ("/admin/duty?month=abc", "/admin/duty?month=9999-99", "/admin/duty?department=x",
                 "/admin/duty?department=99999999999", "/duty", "/duty/feed/" + "a" * 500 + ".ics",
                 "/admin/duty/import"):
        assert client.get(path).status_code < 500, path
    from tests.conftest import csrf_token_from
    token = csrf_token_from(client.get("/duty").get_data(as_text=True))
    for path, data in (("/admin/duty/add", {"day": "2027-01-01", "start": "25:00"}),
                       ("/admin/duty/999/move", {}), ("/admin/duty/999/remove", {}),
                       ("/duty/999/swap", {"to_person_id": "abc"}), ("/duty/swaps/1/hack", {}),
                       ("/admin/duty/import", {})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code < 500, path
