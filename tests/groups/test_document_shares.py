"""Document shares through the one audience path (core.audience.reach_condition): all, department, group, person."""
from sqlalchemy import select

from core.audience import Audience
from core.documents.sharing import is_audience, shared_documents
from core.groups import create_group
from core.models.documents import Document, DocumentShare
from extensions import db


def _document(title, **shares) -> Document:
    document = Document(title=title, original_name=f"{title}.pdf", original_type="pdf", original_size=1,
                        sha256="0" * 64, status="ready")
    document.shares = [DocumentShare.build(scope, member) for scope, member in Audience.of(**shares).rows()]
    db.session.add(document)
    db.session.flush()
    return document


def _titles(user):
    return sorted(d.title for d in db.session.scalars(shared_documents(user)))


def test_every_scope_reaches_exactly_its_people(people, departments):
    group = create_group(db.session, "1조", ["park"])
    _document("모두", all_staff=True)
    _document("교통", departments=[departments["교통정책과"].id])
    _document("1조", groups=[group.id])
    single = _document("이서연에게", users=[people["lee"].id])
    db.session.commit()
    assert _titles(people["kim"]) == ["교통", "모두"]
    assert _titles(people["lee"]) == ["모두", "이서연에게"]
    assert _titles(people["park"]) == ["1조", "모두"]
    assert is_audience(db.session, people["lee"], single) and not is_audience(db.session, people["park"], single)
    assert Audience.from_rows(single.shares) == Audience.of(users=[people["lee"].id])


def test_set_shares_stores_people_and_leaves_out_unknown_ids(people):
    from core.documents.service import set_shares

    document = _document("개인")
    set_shares(db.session, document, user_ids=[people["kim"].id, 2_000_000_000])
    db.session.commit()
    assert [(s.scope, s.user_id) for s in document.shares] == [("user", people["kim"].id)]
    assert _titles(people["kim"]) == ["개인"] and _titles(people["lee"]) == []


def test_a_deleted_account_takes_its_shares(people):
    document = _document("개인", users=[people["park"].id])
    db.session.commit()
    db.session.delete(people["park"])
    db.session.commit()
    assert db.session.scalars(select(DocumentShare).where(DocumentShare.document_id == document.id)).all() == []


def test_the_console_shares_with_people_by_username(client, login, people):
    from tests.conftest import csrf_token_from

    document = _document("개인")
    db.session.commit()
    login("boss")
    token = csrf_token_from(client.get(f"/admin/documents/{document.id}").get_data(as_text=True))
    client.post(f"/admin/documents/{document.id}/shares", data={"csrf_token": token, "share_users": "lee, kim"})
    db.session.expire_all()
    assert sorted(s.user.username for s in document.shares) == ["kim", "lee"]
    page = client.get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert "kim\nlee</textarea>" in page
    refused = client.post(f"/admin/documents/{document.id}/shares",
                          data={"csrf_token": token, "share_users": "nobody"}, follow_redirects=True)
    assert refused.status_code == 200 and "없는 아이디입니다: nobody" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert len(document.shares) == 2     # a refused list changes nothing
