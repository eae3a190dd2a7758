"""Validators shared by the models and the forms of both apps."""

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
