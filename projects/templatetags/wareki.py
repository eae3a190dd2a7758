from django import template

from projects.fiscal_year import format_fiscal_year

register = template.Library()


@register.filter
def wareki(year: int | None) -> str:
    """{{ round.fiscal_year|wareki }} → 平成29年度"""
    if year in (None, ""):
        return ""
    return format_fiscal_year(int(year))
