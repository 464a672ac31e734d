"""Hangul helpers for search and voice matching: initial consonants, jamo, spacing, suffixes.

Everything here is pure string work on Unicode, so the web app, the worker and the
benchmark can share it and the unit tests need no database.
"""
from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

_BASE, _LAST = 0xAC00, 0xD7A3
# Compatibility jamo (what a phone keyboard types), in Unicode's syllable order.
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
             "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")
_CONSONANTS = frozenset("ㄱㄲㄳㄴㄵㄶㄷㄸㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅃㅄㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ")

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]+")

# Longest first: "행정복지센터" must win over "센터", "담당관" over "관".
DEPARTMENT_SUFFIXES = ("행정복지센터", "주민센터", "보건소", "사업소", "담당관", "추진단", "센터", "본부",
                       "과", "팀", "동", "실", "국", "관", "단", "소", "구")

# Spoken particles after a name ("김민준한테", "민준이랑"), longest first.
# Only particles no common given name ends with: 은/는/을 would eat 하은, 지은, 다은.
PARTICLES = ("한테서", "에게서", "한테", "에게", "이랑", "하고", "께서", "께", "랑")
HONORIFICS = ("선생님", "님", "씨")
TITLES = tuple(sorted(("센터장", "보건소장", "사업소장", "주무관", "실무관", "팀장", "과장", "국장", "실장", "동장",
                       "구청장", "소장", "계장", "주임", "대리", "부장", "본부장", "사장", "원장", "이사장", "담당관",
                       "담당자", "담당", "관장", "직원"), key=len, reverse=True))


def is_syllable(ch: str) -> bool:
    return _BASE <= ord(ch) <= _LAST


def is_consonant(ch: str) -> bool:
    """A lone compatibility consonant such as ``ㄱ`` (what initial-consonant search types)."""
    return ch in _CONSONANTS


def initials(text: str) -> str:
    """``김민준`` → ``ㄱㅁㅈ``. Other characters (digits, jamo, Latin) pass through unchanged."""
    return "".join(CHOSEONG[(ord(ch) - _BASE) // 588] if is_syllable(ch) else ch for ch in text)


def decompose(text: str) -> str:
    """``김민준`` → ``ㄱㅣㅁㅁㅣㄴㅈㅜㄴ``: jamo strings make a one-letter slip a distance of one."""
    out: list[str] = []
    for ch in text:
        if is_syllable(ch):
            code = ord(ch) - _BASE
            out.append(CHOSEONG[code // 588])
            out.append(JUNGSEONG[(code % 588) // 28])
            out.append(JONGSEONG[code % 28])
        else:
            out.append(ch)
    return "".join(out)


def is_initials_query(text: str) -> bool:
    """True when every character is a lone consonant (``ㄱㅁㅈ``)."""
    return bool(text) and all(is_consonant(ch) for ch in text)


def has_consonant(text: str) -> bool:
    return any(is_consonant(ch) for ch in text)


def normalize_spacing(text: str) -> str:
    """Trim and collapse runs of whitespace into one space."""
    return _SPACE.sub(" ", text or "").strip()


def compact(text: str) -> str:
    """Lower-cased with every space and punctuation mark removed: the form all matching uses."""
    return _NOT_WORD.sub("", (text or "").lower()).replace("_", "")


def strip_department_suffix(name: str) -> str:
    """``교통정책과`` → ``교통정책``, ``마두1동 행정복지센터`` → ``마두1동``, ``일산서구 세무과`` → ``일산서구세무``.

    The result is compacted. A name that is nothing but a suffix (or would shrink
    below two characters) is kept whole, so ``감사관`` stays matchable.
    """
    key = compact(name)
    for suffix in DEPARTMENT_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            return key[: -len(suffix)]
    return key


def department_keys(name: str, organization: str = "") -> list[str]:
    """Every compact form a person might type or say for a department, longest first.

    ``일산서구 세무과`` → ``일산서구세무과``, ``일산서구세무``, ``세무과``, ``세무``;
    ``마두1동 행정복지센터`` → ``마두1동행정복지센터``, ``마두1동``, ``마두1``.
    """
    keys: list[str] = []

    def add(value: str) -> None:
        if len(value) >= 2 and value not in keys:
            keys.append(value)

    words = normalize_spacing(name).split(" ")
    add(compact(name))
    stripped = strip_department_suffix(name)
    add(stripped)
    if stripped.endswith("동"):
        add(stripped[:-1])  # "마두1동" is also said as "마두1"
    if len(words) > 1:
        last = words[-1]
        # "마두1동 행정복지센터": the first word is the distinctive part.
        head = words[0] if compact(last) in DEPARTMENT_SUFFIXES else last
        add(compact(head))
        add(strip_department_suffix(head))
    for key in list(keys):
        if any(ch.isdigit() for ch in key):
            add(key.translate(_SPOKEN_NUMBERS))  # "마두1동" as a recogniser writes it: "마두일동"
    org = compact(organization)
    if org and stripped.startswith(org) and len(stripped) > len(org):
        add(stripped[len(org):])
    return sorted(keys, key=len, reverse=True)


_SPOKEN_NUMBERS = str.maketrans({"0": "영", "1": "일", "2": "이", "3": "삼", "4": "사", "5": "오", "6": "육",
                                 "7": "칠", "8": "팔", "9": "구"})


# Jamo a speech recogniser confuses (ㄴ/ㅇ finals, ㅓ/ㅗ vowels…); substituting them costs half.
_SIMILAR_JAMO = {frozenset(pair) for pair in ("ㄴㅇ", "ㄴㅁ", "ㅁㅇ", "ㅈㅊ", "ㄱㅋ", "ㄷㅌ", "ㅂㅍ", "ㅓㅗ", "ㅐㅔ",
                                              "ㅕㅛ", "ㅡㅜ", "ㄹㄴ")}


def sound_distance(a: str, b: str) -> float:
    """Jamo edit distance where similar-sounding jamo count half: 김민중→김민준 is 0.5, →김민정 1.0."""
    da, db = decompose(a), decompose(b)
    if len(a) != len(b) or len(da) != len(db):
        return float(Levenshtein.distance(da, db))
    return sum(0.0 if x == y else 0.5 if frozenset((x, y)) in _SIMILAR_JAMO else 1.0
               for x, y in zip(da, db, strict=True))


def strip_suffixes(word: str, suffixes: tuple[str, ...], *, min_left: int = 1) -> tuple[str, str]:
    """Remove one suffix from ``suffixes`` (longest first); returns (rest, removed)."""
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_left:
            return word[: -len(suffix)], suffix
    return word, ""


def strip_particles(word: str) -> str:
    """``김민준한테`` → ``김민준``; ``민준이랑`` → ``민준``. Leaves at least two syllables."""
    rest, _ = strip_suffixes(word, PARTICLES, min_left=2)
    return rest


def given_name(name: str) -> str:
    """The given name: ``김민준`` → ``민준``; two-syllable surnames for four-syllable names."""
    if len(name) >= 4 and name[:2] in COMPOUND_SURNAMES:
        return name[2:]
    return name[1:] if len(name) >= 2 else name


COMPOUND_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})

# Korean digit words as a speech recogniser writes extensions ("오공공일" = 5001).
DIGIT_WORDS = {"공": "0", "영": "0", "빵": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5",
               "육": "6", "륙": "6", "칠": "7", "팔": "8", "구": "9"}


def spoken_digits(text: str) -> str:
    """``오공공일`` → ``5001``; returns "" unless every character is a digit or a digit word."""
    out = []
    for ch in text:
        if ch.isdigit():
            out.append(ch)
        elif ch in DIGIT_WORDS:
            out.append(DIGIT_WORDS[ch])
        else:
            return ""
    return "".join(out)
