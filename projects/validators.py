"""Validators shared by the models and the forms of both apps."""

from django.core.exceptions import ValidationError

from projects.text import unsafe_character_message


def validate_safe_text(value: str) -> None:
    """Refuse control characters (except tab and line breaks) and bidirectional overrides."""
    message = unsafe_character_message(value or "")
    if message:
        raise ValidationError(message, code="unsafe_characters")
