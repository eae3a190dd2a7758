from django import template

from projects.fiscal_year import format_fiscal_year
from projects.models import person_name

register = template.Library()


@register.filter
def wareki(year: int | None) -> str:
    """{{ round.fiscal_year|wareki }} → 平成29年度"""
    if year in (None, ""):
        return ""
    return format_fiscal_year(int(year))


@register.filter
def person(user) -> str:
    """{{ entry.updated_by|person }} → 商工 花子 (family name first)."""
    return person_name(user) if user else "システム"
