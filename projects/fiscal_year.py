"""Japanese fiscal years (年度) and their 和暦 names.

Fiscal year N runs from April N to March N+1. By government convention a whole fiscal year
has one era name, fixed by a table rather than by any date inside it: all of FY2019 is
令和元年度 although April 2019 was still 平成31年. So eras are looked up by the fiscal year's
number, never by converting a date.
"""

import re
import unicodedata
from datetime import date

# (era name, one-letter abbreviation, first fiscal year named by the era)
ERAS: tuple[tuple[str, str, int], ...] = (
    ("令和", "R", 2019),
    ("平成", "H", 1989),
    ("昭和", "S", 1926),
)
# The last year number each era is accepted with when parsing (平成31年度 was printed for
# FY2019 before the new era's name was announced).
_ERA_LAST_YEAR = {"平成": 31, "昭和": 63}

MIN_YEAR = 1926
MAX_YEAR = 2200


def era_of(year: int) -> tuple[str, int]:
    """Return (era name, year within the era) for fiscal year ``year``."""
    for name, _letter, first in ERAS:
        if year >= first:
            return name, year - first + 1
    raise ValueError(f"{year}年度は和暦に変換できません。")


def era_year_text(year: int) -> str:
    """平成29, 令和元: the era and its year, without 年度."""
    name, number = era_of(year)
    return f"{name}{'元' if number == 1 else number}"


# A calendar date, unlike a fiscal year, is named by the era in force that day.
_ERA_STARTS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
)


def format_date(day: date) -> str:
    """A date as the pages print it (``Y年n月j日``): 2027-01-05 → 2027年1月5日, without zero padding."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_date_wareki(day: date) -> str:
    """A date as 和暦, as a cover page prints it: 2026-12-01 → 令和8年12月1日, 2019-05-01 → 令和元年5月1日."""
    for name, start in _ERA_STARTS:
        if day >= start:
            number = day.year - start.year + 1
            return f"{name}{'元' if number == 1 else number}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} は和暦に変換できません。")


def format_fiscal_year(year: int) -> str:
    """Print fiscal year ``year`` as 和暦: 2017 → 平成29年度, 2019 → 令和元年度."""
    return f"{era_year_text(year)}年度"


def format_fiscal_year_with_western(year: int) -> str:
    """令和元年度（2019年度）: for the admin's pages and error messages, where both readings help."""
    return f"{format_fiscal_year(year)}（{year}年度）"


_WESTERN = re.compile(r"^(?:FY)?(\d{4})(?:年度?)?$")
_ERA = re.compile(r"^(令和|平成|昭和|R|H|S)(元|\d{1,2})(?:年度?)?$")


def parse_fiscal_year(text: str | int) -> int:
    """Read a fiscal year written the way people in the city write it.

    Accepts 2017, FY2017, 2017年度, H29, 平成29, 平成29年度, R1, 令和元, 令和元年度, in full-width
    or half-width characters and any letter case. Raises ``ValueError`` with a Japanese message
    that shows the accepted forms.
    """
    if isinstance(text, int):
        year = text
    else:
        cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).upper()
        year = _parse_cleaned(cleaned)
        if year is None:
            typed = str(text) if len(str(text)) <= 20 else f"{str(text)[:20]}…"
            raise ValueError(
                f"「{typed}」は年度として読めません。2017、FY2017、H29、平成29年度、R1、令和元年度"
                "のように入力してください。"
            )
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{year}年度は扱える範囲（{MIN_YEAR}〜{MAX_YEAR}年度）の外です。")
    return year


_NAMED_ERA_YEARS = re.compile(r"(令和|平成|昭和)((?:元|\d{1,2})(?:[、,・](?:元|\d{1,2}))*)年度")
_NAMED_WESTERN_YEARS = re.compile(r"(?<!\d)(\d{4})年度")


def fiscal_years_named(text: str) -> list[int]:
    """The fiscal years a heading names, in order: 「平成28、29年度の実施内容」 → [2016, 2017],
    「令和元年度の実施内容」 → [2019], 「2018年度の実施内容」 → [2018]; none for a heading without one."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    years = []
    for era, numbers in _NAMED_ERA_YEARS.findall(cleaned):
        for number in re.split(r"[、,・]", numbers):
            year = _parse_cleaned(f"{era}{number}")
            if year is not None:
                years.append(year)
    years += [int(year) for year in _NAMED_WESTERN_YEARS.findall(cleaned) if MIN_YEAR <= int(year) <= MAX_YEAR]
    return years


def _parse_cleaned(cleaned: str) -> int | None:
    match = _WESTERN.match(cleaned)
    if match:
        return int(match.group(1))
    match = _ERA.match(cleaned)
    if not match:
        return None
    era, number_text = match.groups()
    number = 1 if number_text == "元" else int(number_text)
    for name, letter, first in ERAS:
        if era in (name, letter):
            if number < 1 or number > _ERA_LAST_YEAR.get(name, MAX_YEAR):
                return None
            return first + number - 1
    return None
