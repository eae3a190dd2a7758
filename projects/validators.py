"""Validators shared by the models and the forms of both apps."""

import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError

from projects.text import unsafe_character_message


def validate_safe_text(value: str) -> None:
    """Refuse control characters (except tab and line breaks) and bidirectional overrides."""
    message = unsafe_character_message(value or "")
    if message:
        raise ValidationError(message, code="unsafe_characters")


# Every character that splits a list of departments somewhere, besides spaces and line breaks: the
# sheet's reader (reviews.sheets.workbook.reader.split_departments), the department field
# (projects.forms), the flat import (projects.resources) and the open data's lists. A name holding
# one would come back as two departments. tests/projects/test_department_names.py keeps each
# splitter within this set.
DEPARTMENT_NAME_SEPARATORS = "、,，､;；"


def department_name_problem(name: str) -> str:
    """Why ``name`` cannot be a department's name, or ""."""
    if any(character.isspace() for character in name or ""):
        return "部署名に空白や改行は使えません（入力表では空白で担当課を区切るため）。"
    found = sorted({character for character in name or "" if character in DEPARTMENT_NAME_SEPARATORS})
    if found:
        return (f"部署名に「{'」「'.join(found)}」は使えません（入力表や一覧で担当課を区切る文字のため）。"
                "区切らずに一つの名称で入力してください。")
    return ""


def validate_department_name(value: str) -> None:
    if message := department_name_problem(value):
        raise ValidationError(message, code="department_name")


# A KPI's figures: at most 11 digits before the point and 4 after (15 in all). SQLite keeps a
# decimal column as a floating-point number, exact to 15 significant digits: a longer figure came
# back rounded (lost input), and one near 10**14 came back as 1E+14, which no longer fit its column
# (every page showing it answered 500). PostgreSQL is held to the same, so both keep the same data.
KPI_WHOLE_DIGITS = 11
KPI_DECIMAL_PLACES = 4
KPI_NUMBER_LIMIT = Decimal(10) ** KPI_WHOLE_DIGITS
KPI_NUMBER_MESSAGE = "数字は整数部分11桁まで、小数点以下4桁までで入力してください。"


def kpi_number_fits(value: Decimal) -> bool:
    """Whether a figure (typed or computed, before rounding to 4 places) is small enough to keep."""
    return value.is_finite() and abs(value) < KPI_NUMBER_LIMIT


def validate_kpi_number(value: Decimal | None) -> None:
    if value is None:
        return
    places = -value.as_tuple().exponent if value.is_finite() else 0
    if not kpi_number_fits(value) or places > KPI_DECIMAL_PLACES:
        raise ValidationError(KPI_NUMBER_MESSAGE, code="kpi_number")


# A figure as people write it in the KPI form, the KPI sheet and the flat files alike: digits half-
# or full-width, thousands separators where they belong (1,234.5), a minus written as -, −, △ or ▲
# (municipal tables write negatives with △). Nothing else: not 1e5, 1_000, NaN nor 1,2,3, which
# Decimal() would take and turn into something the person did not write.
_KPI_NUMBER_SHAPE = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|-?\.[0-9]+")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u25b3": "-", "\u25b2": "-"})


def parse_kpi_number(text: str) -> Decimal:
    """The number ``text`` writes; ValueError when it is not one of the shapes above."""
    shaped = unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).replace(" ", "").lstrip("+")
    if not _KPI_NUMBER_SHAPE.fullmatch(shaped):
        raise ValueError(text)
    return Decimal(shaped.replace(",", ""))
