"""Demo cafeteria menus: this week and the next (Monday to Friday, 조식·중식·석식) for 시청 본관 and 일산동구청,
dated from the day of the seed so that ``make run`` always shows a current week."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.menu import cafeteria_named, parse_dishes, set_meal, today, week_days

ORDER = 80
BREAKFAST = ["누룽지\n계란국 (1.5)\n김구이\n배추김치 (9.13)", "흰죽\n북엇국 (5)\n메추리알장조림 (1.5.6)\n깍두기 (9.13)"]
LUNCH = [
    "쌀밥\n두부새우젓국 (5.9.18)\n돼지고기김치볶음 (5.6.9.10.13)\n계란말이 (1.5)\n배추김치 (9.13)\n요구르트 (2)",
    "잡곡밥\n쇠고기미역국 (5.6.16)\n고등어구이 (7)\n시금치나물 (5)\n깍두기 (9.13)",
    "카레라이스 (2.5.6.10.12)\n유부장국 (5.6)\n오징어튀김 (1.5.6.17)\n단무지\n배추김치 (9.13)",
    "쌀밥\n닭개장 (5.6.15)\n잡채 (5.6.10)\n호두멸치볶음 (5.6.14)\n배추김치 (9.13)",
    "짜장밥 (5.6.10.13)\n게살스프 (1.2.6.8)\n탕수육 (1.5.6.10.12)\n단무지\n복숭아 (11)",
]
DINNER = ["쌀밥\n된장찌개 (5.6.18)\n제육볶음 (5.6.10.13)\n배추김치 (9.13)",
          "쌀밥\n김치찌개 (5.9.10.13)\n닭갈비 (5.6.15)\n잣죽 (19)\n깍두기 (9.13)"]
CAFETERIAS = {"시청 본관": 0, "일산동구청": 2}      # name → how far its lunches are shifted in the pool


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    days = [d + timedelta(days=7 * w) for w in (0, 1) for d in week_days(today())[:5]]
    made = 0
    for name, shift in CAFETERIAS.items():
        cafeteria = cafeteria_named(session, name)
        for i, day in enumerate(days):
            for code, pool, calories in (("breakfast", BREAKFAST, 520.4), ("lunch", LUNCH, 812.7),
                                         ("dinner", DINNER, 745.1)):
                if code != "lunch" and shift:
                    continue  # the district office serves lunch only
                text = pool[(i + shift) % len(pool)]
                if set_meal(session, cafeteria.id, day, code, parse_dishes(text), calories, 350) != "unchanged":
                    made += 1
    session.flush()
    return {"meals": made}
