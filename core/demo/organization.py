"""A Goyang-like organisation: the city hall's bureaus, 3 district offices, 44 neighbourhood
centres and related organisations, with 5,000 staff, 300 contact lines and two logins, then the later
departments (``LATER_UNITS``: 안전총괄과 and its 18 staff).

Rows are generated with a fixed random seed and loaded through the directory importer,
so a rerun finds every row unchanged, and the benchmark can import the very same rows.
"""
from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import create_user
from core.directory.importer import import_rows
from core.models.accounts import User
from core.models.organization import Department, Person
from core.phone import try_normalize

ORDER = 10
CITY = "고양특례시"
STAFF_COUNT = 5000
CONTACT_COUNT = 300

BUREAUS: dict[str, list[str]] = {
    "기획조정실": ["기획예산과", "정책기획과", "법무담당관", "감사담당관", "스마트도시과"],
    "자치행정국": ["자치행정과", "총무과", "정보통신과", "민원여권과", "세정과", "징수과", "회계과"],
    "복지국": ["복지정책과", "노인복지과", "장애인복지과", "아동청소년과", "여성가족과", "생활보장과"],
    "교통국": ["교통정책과", "대중교통과", "주차교통과", "도로관리과", "철도정책과"],
    "환경국": ["환경정책과", "기후에너지과", "자원순환과", "공원관리과", "녹지과"],
    "경제국": ["경제정책과", "일자리정책과", "기업지원과", "농업정책과", "공정거래과"],
    "도시균형개발국": ["도시계획과", "도시재생과", "주택과", "건축과", "공동주택과", "개발사업과"],
    "문화체육국": ["문화예술과", "관광과", "체육진흥과", "도서관정책과", "평생교육과"],
    "안전건설국": ["시민안전과", "재난대응과", "하천관리과", "건설정책과"],
}
DISTRICTS: dict[str, list[str]] = {
    "덕양구": ["주교동", "원신동", "흥도동", "성사1동", "성사2동", "효자동", "삼송1동", "삼송2동", "창릉동", "신도동",
            "향동동", "고양동", "관산동", "능곡동", "화정1동", "화정2동", "행주동", "행신1동", "행신2동", "행신3동",
            "화전동", "대덕동"],
    "일산동구": ["식사동", "중산1동", "중산2동", "정발산동", "풍산동", "백석1동", "백석2동", "마두1동", "마두2동",
             "장항1동", "장항2동", "고봉동"],
    "일산서구": ["일산1동", "일산2동", "일산3동", "탄현1동", "탄현2동", "주엽1동", "주엽2동", "대화동", "송포동",
             "송산동"],
}
DISTRICT_DEPARTMENTS = ["총무과", "세무과", "민원봉사과", "사회복지과", "환경녹지과", "건축과", "건설과", "교통과",
                        "산업위생과", "가정복지과"]
RELATED: dict[str, tuple[str, list[str]]] = {
    "고양도시관리공사": ("0319", ["경영지원팀", "주차사업팀", "시설관리팀", "환경사업팀", "체육사업팀"]),
    "고양문화재단": ("03196", ["경영기획팀", "공연기획팀", "문화예술교육팀", "홍보마케팅팀"]),
    "고양시정연구원": ("03197", ["연구기획팀", "도시공간연구팀", "경제사회연구팀"]),
    "고양산업진흥원": ("03193", ["경영지원팀", "기업성장팀", "창업지원팀"]),
    "고양시청소년재단": ("03191", ["경영지원팀", "청소년사업팀"]),
}
DUTIES: dict[str, list[str]] = {
    "교통정책과": ["교통정책 수립", "교통영향평가", "교통안전시설 관리", "자전거 정책", "교통 수요관리", "택시 정책"],
    "대중교통과": ["시내버스 노선 조정", "버스정류장 관리", "택시 면허 관리", "광역버스 민원", "버스 정보 시스템"],
    "주차교통과": ["불법 주정차 단속", "거주자 우선주차", "공영주차장 운영", "견인 차량 보관", "주차 과태료"],
    "교통과": ["불법 주정차 단속", "주차 과태료 부과", "교통 민원 처리", "자동차 등록"],
    "정보통신과": ["홈페이지 운영", "스마트레터링 운영", "행정전화 관리", "정보보안", "전산장비 관리", "개인정보 보호"],
    "민원여권과": ["여권 발급", "가족관계 등록", "민원 안내", "무인민원발급기 관리"],
    "세무과": ["재산세 부과", "자동차세 부과", "지방소득세 상담", "취득세 신고", "체납액 징수"],
    "세정과": ["지방세 정책", "재산세 부과", "세무조사", "과세자료 관리"],
    "복지정책과": ["기초연금", "복지 사각지대 발굴", "긴급복지 지원", "사회복지시설 관리"],
    "자원순환과": ["생활폐기물 수거", "대형폐기물 신고", "재활용품 선별", "음식물류 폐기물"],
    "시민안전과": ["재난 안전 관리", "민방위 교육", "안전신문고 처리", "비상대비 훈련"],
    "건축과": ["건축 허가", "위반 건축물 단속", "건축물대장 관리", "사용 승인"],
    "행정복지센터": ["주민등록 발급", "전입 신고", "기초생활보장 상담", "복지 상담", "마을 행사", "민원 처리", "서무"],
}
GENERIC_DUTIES = ["업무 총괄", "예산 관리", "민원 처리", "계획 수립", "지도 점검", "자료 관리", "서무"]
GRADES_STAFF = ["지방행정주사보", "지방행정서기", "지방행정서기보", "지방전산주사보", "지방시설주사보",
                "지방사회복지주사보", "지방세무주사보", "지방공업주사보", "지방녹지주사보"]
SURNAMES = ["김"] * 21 + ["이"] * 15 + ["박"] * 8 + ["최"] * 5 + ["정"] * 5 + ["강", "조", "윤", "장"] * 2 + [
    "임", "한", "오", "서", "신", "권", "황", "안", "송", "전", "홍", "유", "고", "문", "양", "손", "배", "백", "허",
    "노", "남", "심", "하", "곽", "성", "차", "주", "우", "구", "민", "진", "나", "지", "엄", "채", "원", "천", "방",
    "남궁", "황보", "제갈", "선우"]
GIVEN_NAMES = str.split(
    "민준 서준 도윤 예준 시우 하준 주원 지호 지후 준서 준우 현우 도현 지훈 건우 우진 선우 서진 민재 현준 연우 유준 "
    "정우 승우 승현 시윤 준혁 은우 지환 승민 유찬 윤우 민성 준영 시후 진우 수호 재윤 시현 동현 태윤 민규 재원 "
    "한결 윤호 은찬 시원 이준 민혁 성민 상훈 성호 영호 영수 정호 광수 재현 종민 태현 상현 동욱 성진 경수 병철 "
    "서연 서윤 지우 서현 민서 하은 하윤 윤서 지유 지민 채원 수아 지아 지윤 은서 다은 예은 수빈 소율 예린 지원 "
    "유진 미경 미영 영자 명숙 혜진 은영 정희 수진 지영 현정 은정 미정 아름 보람 슬기 다혜 나연 혜원 경희 순자 "
    "옥순 정숙 영희 숙자 경숙 은주 선영 미숙 주희 혜숙 상민 준호 진호 재훈 형준 민호 세영 가영 소연 하린"
)
CONTACT_LINES = ["대표전화", "민원 상담", "서무 담당", "야간 당직", "팩스 문의"]
# Departments added after the first demo, each with its staff count. They come after every other row, from a
# generator of their own, with numbers from 031-8075-0100..0999 that nothing above uses, so that each earlier
# row, and every demo line already stored, stays as it was: a seeded database only gains these rows.
LATER_UNITS: list[tuple[str, str, int]] = [("안전건설국", "안전총괄과", 18)]
DUTIES["안전총괄과"] = ["안전정책 총괄", "겨울철 자연재난 대책", "안전점검의 날 운영", "안전문화 홍보",
                     "중대재해 예방", "재난안전 예산", "안전신문고 처리", "재난안전상황실 운영"]


def _departments() -> list[tuple[str, str, str, str]]:
    """(organisation, parent, department, duty family) for every unit."""
    units = [(CITY, bureau, dept, dept) for bureau, depts in BUREAUS.items() for dept in depts]
    for district in DISTRICTS:
        units += [(CITY, district, f"{district} {dept}", dept) for dept in DISTRICT_DEPARTMENTS]
    for district, dongs in DISTRICTS.items():
        units += [(CITY, district, f"{dong} 행정복지센터", "행정복지센터") for dong in dongs]
    for org, (_, teams) in RELATED.items():
        units += [(org, org, f"{org} {team}", team) for team in teams]
    return units


def _sizes(units: list[tuple[str, str, str, str]], rng: random.Random) -> list[int]:
    """Staff per unit: city departments are larger than centres and related teams; totals 5,000."""
    weights = [rng.uniform(1.2, 1.8) if org == CITY and not dept.endswith("센터") else rng.uniform(0.6, 1.0)
               for org, _, dept, _ in units]
    scale = STAFF_COUNT / sum(weights)
    sizes = [max(4, int(w * scale)) for w in weights]
    i = 0
    while sum(sizes) < STAFF_COUNT:
        sizes[i % len(sizes)] += 1
        i += 1
    while sum(sizes) > STAFF_COUNT:
        sizes[i % len(sizes)] -= 1 if sizes[i % len(sizes)] > 4 else 0
        i += 1
    return sizes


def _title(position: int, dept: str, org: str) -> tuple[str, str]:
    if position == 0:
        if dept.endswith("행정복지센터"):
            return "동장", "지방행정사무관"
        return ("팀장", "과장급") if org != CITY else ("과장", "지방행정사무관")
    if position <= 3 and org == CITY:
        return "팀장", "지방행정주사"
    if position % 9 == 8:
        return "실무관", "공무직"
    return "주무관", ""


def directory_rows(seed: int = 20260101) -> list[dict[str, str]]:
    """The demo directory as import rows (header → value): 5,000 staff, 300 contacts, then the staff of
    ``LATER_UNITS``.

    Deterministic: the same seed always gives the same rows, so seeding twice changes nothing.
    """
    rng = random.Random(seed)
    units = _departments()
    sizes = _sizes(units, rng)
    city_numbers = rng.sample(range(1000, 10000), STAFF_COUNT + CONTACT_COUNT)
    # Not every 010 block is in service (phonenumbers knows which); the importer would reject those.
    mobiles = [m for m in rng.sample(range(20_000_000, 99_999_999), STAFF_COUNT * 2)
               if try_normalize(f"010{m:08d}")][:STAFF_COUNT]
    used_related: set[str] = set()

    def related_number(prefix: str) -> str:
        """A unique 031-9xx-xxxx line for a related organisation."""
        while True:
            number = prefix + "".join(rng.choice("0123456789") for _ in range(10 - len(prefix)))
            formatted = f"{number[:3]}-{number[3:6]}-{number[6:]}"
            if formatted not in used_related:
                used_related.add(formatted)
                return formatted

    rows: list[dict[str, str]] = []
    extension = 2000
    for (org, parent, dept, family), size in zip(units, sizes, strict=True):
        duties = DUTIES.get(family) or [f"{dept.split(' ')[-1].removesuffix('과').removesuffix('팀')} {d}"
                                        for d in GENERIC_DUTIES]
        for position in range(size):
            n = len(rows)
            title, grade = _title(position, dept, org)
            grade = grade or rng.choice(GRADES_STAFF)
            if dept == "교통정책과" and position == 4:
                name = "김민준"  # the demo's voice-dialling example: "교통정책과 김민준 주무관 연결해 줘"
                title, grade = "주무관", "지방행정주사보"
            else:
                surname = rng.choice(SURNAMES)
                given = rng.choice(GIVEN_NAMES)
                name = surname + given if (surname, given) != ("김", "민준") else "김" + "서준"
            extension += 1
            phone = (f"031-8075-{city_numbers[n]:04d}" if org == CITY
                     else related_number(RELATED[org][0]))
            mobile = f"{mobiles[n]:08d}"
            rows.append({"성명": name, "소속기관": org, "상위부서": parent, "부서": dept, "직위": title,
                         "직급": grade, "담당업무": "부서 총괄" if position == 0 else rng.choice(duties),
                         "내선": str(extension), "직통전화": phone,
                         "휴대전화": f"010-{mobile[:4]}-{mobile[4:]}",
                         "이메일": f"staff{n + 1:04d}@example.go.kr", "구분": "직원"})
    for i in range(CONTACT_COUNT):
        org, parent, dept, _ = units[i % len(units)]
        line = CONTACT_LINES[(i // len(units)) % len(CONTACT_LINES)]
        extension += 1
        phone = (f"031-8075-{city_numbers[STAFF_COUNT + i]:04d}" if org == CITY
                 else related_number(RELATED[org][0]))
        rows.append({"성명": f"{dept} {line}", "소속기관": org, "상위부서": parent, "부서": dept, "직위": "",
                     "직급": "", "담당업무": f"{dept} {line}", "내선": str(extension), "직통전화": phone,
                     "휴대전화": "", "이메일": "", "구분": "연락처"})
    return rows + _later_rows(rows, extension)


def _later_rows(earlier: list[dict[str, str]], extension: int) -> list[dict[str, str]]:
    """The staff of ``LATER_UNITS``: a head (과장), three team leaders, then officers, like the others."""
    rng = random.Random(20261202)
    taken_mobiles = {row["휴대전화"] for row in earlier}
    rows: list[dict[str, str]] = []
    for parent, dept, size in LATER_UNITS:
        numbers = sorted(rng.sample(range(100, 1000), size))
        for position in range(size):
            title, grade = _title(position, dept, CITY)
            while True:
                mobile = f"{rng.randrange(20_000_000, 99_999_999):08d}"
                formatted = f"010-{mobile[:4]}-{mobile[4:]}"
                if formatted not in taken_mobiles and try_normalize("010" + mobile):
                    taken_mobiles.add(formatted)
                    break
            surname = rng.choice(SURNAMES)
            given = rng.choice(GIVEN_NAMES)
            extension += 1
            rows.append({"성명": surname + given if (surname, given) != ("김", "민준") else "김" + "서준",
                         "소속기관": CITY, "상위부서": parent, "부서": dept, "직위": title,
                         "직급": grade or rng.choice(GRADES_STAFF),
                         "담당업무": "부서 총괄" if position == 0 else rng.choice(DUTIES[dept]),
                         "내선": str(extension), "직통전화": f"031-8075-{numbers[position]:04d}",
                         "휴대전화": formatted, "이메일": f"staff{len(earlier) + len(rows) + 1:04d}@example.go.kr",
                         "구분": "직원"})
    return rows


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    rows = directory_rows()
    report = import_rows(session, enumerate(rows, 2))
    password = settings["DEMO_PASSWORD"]
    # admin is the head of 정보통신과 (who runs the portal); staff is the demo's 김민준; safety is the head of
    # 안전총괄과, a department admin who runs that department's lettering campaigns (README's walk-through).
    accounts = {"admin": ("admin", "정보통신과", None), "staff": ("staff", "교통정책과", "김민준"),
                "safety": ("dept_admin", "안전총괄과", None)}
    created = []
    for username, (role, department, name) in accounts.items():
        if session.scalar(select(User).filter_by(username=username)):
            continue
        query = (select(Person).join(Department).where(Department.name == department, Person.kind == "staff")
                 .order_by(Person.id))
        person = session.scalar(query.where(Person.name == name) if name else query)
        person.employee_no = person.employee_no or f"GY{person.id:06d}"
        create_user(session, username, password, role, display_name=person.name, employee_no=person.employee_no,
                    department_id=person.department_id, person_id=person.id)
        created.append(username)
    return {"staff": sum(1 for r in rows if r["구분"] == "직원"),
            "contacts": sum(1 for r in rows if r["구분"] == "연락처"),
            "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "rejected": len(report.rejected), "logins_created": created}
