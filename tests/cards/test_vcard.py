"""The vCard: Korean names split family/given, escaping, folding at 75 octets, parsed back line by line."""
from __future__ import annotations

from core.cards.data import CardData
from core.cards.vcard import build, escape, fold, split_name


def parse(text: str) -> list[tuple[str, dict[str, str], str]]:
    """A small RFC 2426 reader: unfold, then NAME;PARAM=..:VALUE per line."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    out = []
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        out.append((name, dict(p.split("=", 1) for p in params), value))
    return out


def unescape_components(value: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            current += "\n" if nxt in "nN" else nxt
            i += 2
            continue
        if ch == ";":
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    return parts


def card(**overrides) -> CardData:
    values = dict(name="남궁민수", title="주무관", department="교통정책과", institution="고양특례시",
                  phone="+823180755101", mobile="", email="mnamgung@goyang.go.kr",
                  address="경기도 고양시 덕양구 고양시청로 10", url="https://portal.example/c/AbCdEfGh1")
    values.update(overrides)
    return CardData(**values)


def test_korean_names_split_family_and_given():
    assert split_name("김민준") == ("김", "민준")
    assert split_name("이산") == ("이", "산")
    for family in ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문"):
        assert split_name(f"{family}민수") == (family, "민수")
    assert split_name("남궁") == ("남", "궁")       # a two-syllable name is family + given, not a lone 복성
    assert split_name("John Smith") == ("Smith", "John")


def test_vcard_fields_parse_back():
    text = build(card())
    rows = parse(text)
    names = [r[0] for r in rows]
    assert names[:2] == ["BEGIN", "VERSION"] and rows[1][2] == "3.0" and names[-1] == "END"
    fields = {r[0]: r for r in rows}
    assert fields["N"][2] == "남궁;민수;;;"
    assert fields["FN"][2] == "남궁민수"
    assert unescape_components(fields["ORG"][2]) == ["고양특례시", "교통정책과"]
    assert fields["TITLE"][2] == "주무관"
    tels = [r for r in rows if r[0] == "TEL"]
    assert tels == [("TEL", {"TYPE": "WORK,VOICE"}, "+823180755101")]     # no mobile: not allowed here
    assert fields["EMAIL"][2] == "mnamgung@goyang.go.kr"
    adr = unescape_components(fields["ADR"][2])
    assert adr[2] == "경기도 고양시 덕양구 고양시청로 10" and adr[6] == "대한민국" and len(adr) == 7
    assert fields["URL"][2] == "https://portal.example/c/AbCdEfGh1"


def test_cell_only_when_allowed():
    rows = parse(build(card(mobile="+821055101234")))
    assert ("TEL", {"TYPE": "CELL"}, "+821055101234") in rows


def test_escaping_and_folding():
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    text = build(card(department="교통정책과, 주차; 팀\\A", address="경기도 고양시 " * 12))
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    rows = {r[0]: r for r in parse(text)}
    assert unescape_components(rows["ORG"][2]) == ["고양특례시", "교통정책과, 주차; 팀\\A"]
    assert unescape_components(rows["ADR"][2])[2] == "경기도 고양시 " * 12
    # a fold never splits a UTF-8 character
    folded = fold("FN:" + "가" * 60)
    assert all(piece.encode("utf-8").decode("utf-8") for piece in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "FN:" + "가" * 60
