"""The card pages: always current from the directory, the mobile only when allowed, counts without the
visitor's address, unknown tokens 404, QR decoded back, the PDF's size, text and fonts."""
from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from core import cards
from core.models.cards import BusinessCard, BusinessCardDay
from core.timeutil import KST
from extensions import db
from tests.conftest import csrf_token_from


@pytest.fixture
def card(directory) -> BusinessCard:
    made = cards.ensure_card(db.session, directory["person"].id)
    db.session.commit()
    return made


def test_token_is_short_random_and_stable(directory, card):
    assert re.fullmatch(r"[A-Za-z0-9]{9}", card.token)
    assert cards.ensure_card(db.session, directory["person"].id).token == card.token
    other = cards.ensure_card(db.session, directory["other"].id)
    assert other.token != card.token


def test_card_follows_the_directory(client, directory, card):
    page = client.get(f"/c/{card.token}").get_data(as_text=True)
    assert "남궁민수" in page and "주무관" in page and "교통정책과" in page and "031-8075-5101" in page
    person = directory["person"]
    person.department_id = directory["it"].id            # a transfer
    person.title = "팀장"                                # a new title
    person.phone = "+823180753399"                       # a new number
    db.session.commit()
    page = client.get(f"/c/{card.token}").get_data(as_text=True)
    assert "정보통신과" in page and "교통정책과" not in page
    assert "팀장" in page and "031-8075-3399" in page and "tel:+823180753399" in page
    vcf = client.get(f"/c/{card.token}.vcf").get_data(as_text=True)
    assert "ORG:고양특례시;정보통신과" in vcf and "TITLE:팀장" in vcf and "+823180753399" in vcf


def test_public_page_contents_and_headers(client, card):
    response = client.get(f"/c/{card.token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "mailto:mnamgung@goyang.go.kr" in page and "경기도 고양시 덕양구 고양시청로 10" in page
    assert "icons/city-logo" in page and "연락처에 추가" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_mobile_only_when_the_owner_allows(client, login, owner, card):
    assert "010-5510-1234" not in client.get(f"/c/{card.token}").get_data(as_text=True)
    assert "TEL;TYPE=CELL" not in client.get(f"/c/{card.token}.vcf").get_data(as_text=True)
    login("namgung")
    page = client.get("/cards/me").get_data(as_text=True)
    assert client.post("/cards/me/mobile", data={"show_mobile": "1"}).status_code == 400    # no CSRF token
    response = client.post("/cards/me/mobile", data={"show_mobile": "1", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert "010-5510-1234" in client.get(f"/c/{card.token}").get_data(as_text=True)
    assert "TEL;TYPE=CELL:+821055101234" in client.get(f"/c/{card.token}.vcf").get_data(as_text=True)
    client.post("/cards/me/mobile", data={"show_mobile": "0", "csrf_token": csrf_token_from(page)})
    assert "010-5510-1234" not in client.get(f"/c/{card.token}").get_data(as_text=True)
    bad = client.post("/cards/me/mobile", data={"show_mobile": "x", "csrf_token": csrf_token_from(page)})
    assert bad.status_code == 302


def test_unknown_tokens_are_404_in_korean(client, card):
    for path in ("/c/NoSuchTok", "/c/NoSuchTok.vcf", "/c/NoSuchTok/qr.svg", "/c/NoSuchTok/qr.png",
                 "/c/NoSuchTok/card.pdf", "/c/a.b", "/c/%EA%B0%80", "/c/" + "A" * 40):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "명함을 찾을 수 없습니다" in response.get_data(as_text=True), path


def test_counts_per_day_without_the_visitor(client, clock, card):
    clock.move_to(datetime(2026, 3, 2, 23, 50, tzinfo=KST))
    client.get(f"/c/{card.token}", environ_base={"REMOTE_ADDR": "203.0.113.7"},
               headers={"User-Agent": "VisitorPhone/1.0"})
    client.get(f"/c/{card.token}?s=qr")
    client.get(f"/c/{card.token}.vcf")
    client.head(f"/c/{card.token}")                                  # a link checker: not a visit
    client.head(f"/c/{card.token}.vcf")
    clock.move_to(datetime(2026, 3, 3, 0, 10, tzinfo=KST))          # the next KST day
    client.get(f"/c/{card.token}")
    rows = db.session.execute(sa.select(BusinessCardDay).order_by(BusinessCardDay.day)).scalars().all()
    assert [(r.day, r.views, r.qr_scans, r.downloads) for r in rows] == [
        (date(2026, 3, 2), 2, 1, 1), (date(2026, 3, 3), 1, 0, 0)]
    assert cards.totals(db.session, card) == cards.Counts(views=3, downloads=1, qr_scans=1)
    # Nothing about the visitor anywhere in the card tables: no column for it, no value of it.
    for table in ("business_cards", "business_card_days", "card_policy_links"):
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns(table)}
        assert not columns & {"ip", "ip_address", "remote_addr", "user_agent", "address"}, table
        dump = str(db.session.execute(sa.text(f"SELECT * FROM {table}")).all())
        assert "203.0.113.7" not in dump and "VisitorPhone" not in dump


def test_owner_page_shows_counts_and_links(client, login, owner, card):
    client.get(f"/c/{card.token}?s=qr")
    login("namgung")
    page = client.get("/cards/me").get_data(as_text=True)
    assert f"/c/{card.token}" in page and "QR 전체 화면" in page and 'href="/cards/me/qr"' in page
    assert re.search(r"QR 스캔</th><td>1</td><td>1</td>", page)
    assert "qr.svg" in client.get("/cards/me/qr").get_data(as_text=True)
    assert 'href="/cards/me"' in client.get("/more").get_data(as_text=True)
    detail = client.get(f"/directory/{owner.person_id}").get_data(as_text=True)
    assert 'href="/cards/me"' in detail


def test_directory_entry_links_the_public_card(client, login, make_user, directory, card):
    make_user("colleague")
    login("colleague")
    assert f'href="/c/{card.token}"' in client.get(f"/directory/{directory['person'].id}").get_data(as_text=True)
    assert "/c/" not in client.get(f"/directory/{directory['other'].id}").get_data(as_text=True)


def test_account_without_directory_entry(client, login, make_user):
    make_user("nobody")
    login("nobody")
    response = client.get("/cards/me")
    assert response.status_code == 404 and "연결되어 있지 않아" in response.get_data(as_text=True)


def test_qr_png_decodes_to_the_short_url(client, card):
    response = client.get(f"/c/{card.token}/qr.png")
    assert response.headers["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [r.text for r in results] == [f"http://127.0.0.1:5000/c/{card.token}?s=qr"]
    assert "BEGIN:VCARD" not in results[0].text


def test_qr_svg_is_valid_svg(client, card):
    response = client.get(f"/c/{card.token}/qr.svg")
    assert response.headers["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.data)  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and int(root.get("width")) > 0
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


def _pdf(client, card, tmp_path):
    response = client.get(f"/c/{card.token}/card.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    path = tmp_path / "card.pdf"
    path.write_bytes(response.data)
    return path


def test_pdf_size_pages_text_and_fonts(client, card, tmp_path):
    path = _pdf(client, card, tmp_path)
    info = subprocess.run(["pdfinfo", "-box", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M)
    # TrimBox is the card, 90 × 50 mm (255.12 × 141.73 pt); the MediaBox adds 3 mm of bleed for the crop marks.
    trim = [float(v) for v in re.search(r"^TrimBox:\s+(.+)$", info, re.M).group(1).split()]
    assert abs((trim[2] - trim[0]) * 25.4 / 72 - 90) < 0.1 and abs((trim[3] - trim[1]) * 25.4 / 72 - 50) < 0.1
    media = [float(v) for v in re.search(r"^MediaBox:\s+(.+)$", info, re.M).group(1).split()]
    assert abs((media[2] - media[0]) * 25.4 / 72 - 96) < 0.1
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("남궁민수", "주무관", "고양특례시", "교통정책과", "031-8075-5101", "고양시청로 10",
                     "mnamgung@goyang.go.kr", f"/c/{card.token}"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and any("NanumGothic" in row[0] for row in rows)
    assert all(row[-5] == "yes" for row in rows), fonts        # the "emb" column
    # The QR printed on the back still scans to the card's URL.
    subprocess.run(["pdftoppm", "-f", "2", "-l", "2", "-r", "200", "-png", str(path), str(tmp_path / "back")],
                   check=True)
    back = next(tmp_path.glob("back*.png"))
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(back))] == [
        f"http://127.0.0.1:5000/c/{card.token}?s=qr"]


def test_address_mapping(app, client, directory, card):
    app.config["CARD_ADDRESSES"] = ('{"고양특례시/도시교통국": "경기도 고양시 덕양구 통일로 1", '
                                    '"고양특례시/정보통신과": "경기도 고양시 일산동구 중앙로 2"}')
    assert "통일로 1" in client.get(f"/c/{card.token}").get_data(as_text=True)
    directory["person"].department_id = directory["it"].id
    db.session.commit()
    assert "중앙로 2" in client.get(f"/c/{card.token}").get_data(as_text=True)
    app.config["CARD_ADDRESSES"] = "{not json"
    assert "고양시청로 10" in client.get(f"/c/{card.token}").get_data(as_text=True)


def test_console_policy_link(client, login, make_user, card):
    make_user("boss", role="admin")
    login("boss")
    page = client.get("/admin/cards/policy").get_data(as_text=True)
    assert "명함 이달의 정책" in page
    token = csrf_token_from(page)
    for label, url, message in (("청년 월세", "http://www.goyang.go.kr/x", "https://"),
                                ("청년 월세", "", "함께 입력"), ("가" * 61, "https://www.goyang.go.kr/x", "60자"),
                                ("청년 월세", "javascript:alert(1)", "https://")):
        response = client.post("/admin/cards/policy", data={"label": label, "url": url, "enabled": "y",
                                                            "csrf_token": token})
        assert response.status_code == 400 and message in response.get_data(as_text=True), (label, url)
    assert cards.policy_link(db.session) is None
    response = client.post("/admin/cards/policy", data={"label": "청년 월세 지원", "enabled": "y", "csrf_token": token,
                                                        "url": "https://www.goyang.go.kr/policy/1"})
    assert response.status_code == 302
    public = client.get(f"/c/{card.token}").get_data(as_text=True)
    assert 'href="https://www.goyang.go.kr/policy/1"' in public and "청년 월세 지원" in public
    client.post("/admin/cards/policy", data={"label": "청년 월세 지원", "url": "https://www.goyang.go.kr/policy/1",
                                             "csrf_token": token})          # unticked: hidden
    assert "청년 월세 지원" not in client.get(f"/c/{card.token}").get_data(as_text=True)


def test_console_policy_link_is_for_admins(client, login, make_user):
    make_user("clerk", role="dept_admin")
    login("clerk")
    assert client.get("/admin/cards/policy").status_code == 403
