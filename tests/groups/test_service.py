"""core.groups: create, rename, members, delete, who manages what."""
import pytest

from core.groups import GroupError, can_manage, create_group, delete_group, member_counts, set_members, update_group
from core.models.groups import StaffGroup, StaffGroupMember
from extensions import db


def test_create_with_usernames_and_picked_ids(people):
    group = create_group(db.session, "  재난대응   1조 ", ["kim", "kim", "lee"], created_by=people["dept"],
                         user_ids=[people["park"].id, people["lee"].id])
    db.session.commit()
    assert group.name == "재난대응 1조"
    assert sorted(m.user.username for m in group.members) == ["kim", "lee", "park"]
    assert member_counts(db.session, [group.id]) == {group.id: 3}


@pytest.mark.parametrize("name, usernames, ids, message", [
    ("", [], [], "그룹 이름은 1~64자로 입력해 주세요."),
    ("가" * 65, [], [], "그룹 이름은 1~64자로 입력해 주세요."),
    ("1조", ["nobody", "kim"], [], "없는 아이디입니다: nobody"),
    ("1조", [], [2_000_000_000], "고른 직원 중 없는 계정이 있습니다. 다시 골라 주세요."),
])
def test_refusals_are_korean_messages(people, name, usernames, ids, message):
    with pytest.raises(GroupError) as refused:
        create_group(db.session, name, usernames, user_ids=ids)
    assert str(refused.value) == message


def test_names_are_unique_and_rename_keeps_members(people):
    first = create_group(db.session, "1조", ["kim"])
    create_group(db.session, "2조", ["lee"])
    with pytest.raises(GroupError, match="이미 있는 그룹 이름입니다: 2조"):
        update_group(db.session, first, name="2조")
    update_group(db.session, first, name="1조(겨울)", description="제설")
    update_group(db.session, first, name="1조(겨울)")     # its own name again is no clash
    assert [m.user.username for m in first.members] == ["kim"]


def test_set_members_replaces_and_counts(people):
    group = create_group(db.session, "1조", ["kim", "lee"])
    kept = next(m for m in group.members if m.user.username == "kim")
    added, removed = set_members(db.session, group, ["kim", "park"])
    assert (added, removed) == (1, 1)
    assert sorted(m.user.username for m in group.members) == ["kim", "park"]
    assert kept in group.members        # the row stays: its added_at is the day they joined


def test_who_manages(people):
    group = create_group(db.session, "1조", [], created_by=people["dept"])
    assert can_manage(people["boss"], group) and can_manage(people["dept"], group)
    assert not can_manage(people["dept2"], group) and not can_manage(people["kim"], group)


def test_delete_takes_the_members(people):
    group = create_group(db.session, "1조", ["kim"])
    delete_group(db.session, group)
    db.session.commit()
    assert db.session.query(StaffGroup).count() == 0 and db.session.query(StaffGroupMember).count() == 0
