"""Validators shared by the models and the forms of both apps."""

from django.core.exceptions import ValidationError

from projects.text import unsafe_character_message


def validate_safe_text(value: str) -> None:
    """Refuse control characters (except tab and line breaks) and bidirectional overrides."""
    message = unsafe_character_message(value or "")
    if message:
        raise ValidationError(message, code="unsafe_characters")


# What splits a 担当課 cell into departments (the sheet's reader, the department field, the open
# data's lists): a name holding one would come back as two departments.
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
