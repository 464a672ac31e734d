"""Managing groups: who may create and edit, members in order with roles and deputies, the console's member
text, errors in Korean, audit rows, my groups, and the sms: links in chunks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.emergency import EmergencyError, groups, home_context
from core.models.accounts import AuditLog
from extensions import db


def test_members_keep_their_order_roles_and_deputies(group, people):
    p = people["people"]
    assert [(m.person.name, m.role, m.deputy.name if m.deputy else None) for m in group.members] == [
        ("김민준", "상황총괄", "정하늘"), ("이서연", "현장지원", "최유나"), ("박지호", "연락담당", None)]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "emergency.group_created")).one()
    assert audit.detail["members"] == 3 and audit.target == f"emergency_group:{group.id}"
    assert groups.members_text(group).splitlines()[0] == f"{p['kim'].email} | 상황총괄 | {p['jung'].email}"


def test_only_admins_create_and_managers_edit_their_own(group, people):
    u, p = people["users"], people["people"]
    with pytest.raises(EmergencyError, match="관리자만"):
        groups.save(db.session, u["boss"], groups.GroupInput(name="새 그룹"))
    with pytest.raises(EmergencyError, match="권한"):
        groups.save(db.session, u["kim"], groups.GroupInput(name="재난대응 1조"), group)
    # The manager reorders; they stay a manager even when their form names no one.
    data = groups.GroupInput(name="재난대응 1조", members=[groups.MemberInput(p["park"].id, "연락담당"),
                                                        groups.MemberInput(p["kim"].id, "상황총괄")])
    groups.save(db.session, u["boss"], data, group)
    db.session.commit()
    assert [m.person.name for m in group.members] == ["박지호", "김민준"]
    assert [m.user_id for m in group.managers] == [u["boss"].id]
    assert groups.can_manage(u["boss"], group) and not groups.can_manage(u["kim"], group)
    assert [g.name for g in groups.managed_groups(db.session, u["boss"])] == ["재난대응 1조"]
    assert groups.managed_groups(db.session, u["kim"]) == []


def test_my_groups_and_home_context(group, people):
    u = people["users"]
    assert [g.name for g in groups.my_groups(db.session, u["kim"])] == ["재난대응 1조"]
    assert [g.name for g in groups.my_groups(db.session, u["choi"])] == ["재난대응 1조"]   # as a deputy
    context = home_context(db.session, u["kim"])
    assert [g.name for g in context["emergency_pinned"]] == ["재난대응 1조"] and context["emergency_open"] == []
    group.pinned = False
    db.session.commit()
    assert home_context(db.session, u["kim"])["emergency_pinned"] == []


@pytest.mark.parametrize(("text", "message"), [
    ("nobody@goyang.go.kr", "1번째 줄: 이메일 ‘nobody@goyang.go.kr’인 직원을 찾을 수 없습니다."),
    ("김민준 | 총괄\n김민준", "2번째 구성원이 목록에 두 번 있습니다."),
    ("김민준 | 총괄 | 김민준", "1번째 구성원은 자기 자신의 대리인이 될 수 없습니다."),
    ("김민준 | a | b | c", "1번째 줄: ‘사람 | 역할 | 대리인’ 형식으로 써 주세요."),
    (" | 총괄", "1번째 줄: 사람을 입력해 주세요."),
    ("김민준 | " + "역" * 65, "1번째 구성원의 역할은 64자까지 쓸 수 있습니다."),
])
def test_bad_member_lists_are_refused_in_korean(group, people, text, message):
    with pytest.raises(EmergencyError) as caught:
        data = groups.GroupInput(name="다른 그룹", members=groups.parse_members(db.session, text))
        groups.save(db.session, people["users"]["admin"], data)
    assert str(caught.value) == message


def test_names_must_be_unique_and_present(group, people):
    admin = people["users"]["admin"]
    for name, message in (("재난대응 1조", "같은 이름의 그룹이 이미 있습니다: 재난대응 1조"),
                          ("  ", "그룹 이름을 입력해 주세요."), ("가" * 65, "그룹 이름은 64자까지 쓸 수 있습니다.")):
        with pytest.raises(EmergencyError) as caught:
            groups.save(db.session, admin, groups.GroupInput(name=name))
        assert str(caught.value) == message
    with pytest.raises(EmergencyError, match="‘ghost’ 계정을 찾을 수 없습니다"):
        groups.parse_managers(db.session, "boss, ghost")


def test_sms_links_are_split_in_chunks_of_ten():
    numbers = [f"+82105550{n:04d}" for n in range(23)] + ["", "+821055500000"]
    links = groups.sms_links(numbers)
    assert len(links) == 3 and [len(link.removeprefix("sms:").split(",")) for link in links] == [10, 10, 3]
    assert links[0].startswith("sms:+821055500000,+821055500001,")
    assert groups.sms_links([]) == []
