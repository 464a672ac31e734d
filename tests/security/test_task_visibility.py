"""Console tasks (imports, conversions) are readable by an admin and by the person who submitted them, nobody else:
walked over every GET rule of the URL map, as a department admin, whole pages and htmx partials alike."""
from __future__ import annotations

from core import tasks
from extensions import db
from tests.security.conftest import SECRET_RESULT
from tests.security.test_fuzz_routes import _paths

OWN_SECRET = "RAW-VALUE-OF-MY-OWN-CONVERSION"


def test_a_department_admin_reads_only_their_own_tasks_anywhere(app, world, role_clients):
    own = tasks.submit(db.session, "directory_import", label="own.csv", user_id=world.users["dept_admin"])
    own.status, own.result = "done", {"rejected": [{"row": 3, "reason": OWN_SECRET}]}
    db.session.commit()
    admins_task = world.ids["task_id"]
    dept, admin = role_clients["dept_admin"].client, role_clients["admin"].client

    seen_own = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = _paths(rule, world)[0][1]
        candidates = [path]
        if "<id:task_id>" in rule.rule:
            candidates = [path.replace(str(admins_task), str(own.id)), path]
        for url in candidates:
            for headers in ({}, {"HX-Request": "true"}):
                body = dept.get(url, headers=headers).get_data(as_text=True)
                assert SECRET_RESULT not in body and "admin.csv" not in body, url
                seen_own += OWN_SECRET in body
    assert seen_own >= 2   # their own task's partial and the console home list it

    assert dept.get(f"/admin/tasks/{admins_task}").status_code == 404
    assert dept.get(f"/admin/tasks/{own.id}").status_code == 200
    # An admin sees every task, the department admin's too.
    assert SECRET_RESULT in admin.get(f"/admin/tasks/{admins_task}").get_data(as_text=True)
    assert OWN_SECRET in admin.get(f"/admin/tasks/{own.id}").get_data(as_text=True)
    assert SECRET_RESULT in admin.get("/admin/").get_data(as_text=True)


def test_staff_and_strangers_read_no_task(app, world, role_clients):
    for role in ("anonymous", "staff"):
        answer = role_clients[role].client.get(f"/admin/tasks/{world.ids['task_id']}")
        assert answer.status_code in (302, 401, 403) and SECRET_RESULT not in answer.get_data(as_text=True)
