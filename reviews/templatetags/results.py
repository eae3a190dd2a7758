"""A summary's charts and letter tables (reviews.results.charts writes them)."""

from django import template
from django.utils.safestring import SafeString

from reviews.results import charts
from reviews.results.summary import Counts, Row

register = template.Library()


@register.simple_tag
def letter_chart(chart: charts.Chart) -> SafeString:
    """{% letter_chart goal_chart %}"""
    return charts.chart_svg(chart)


@register.simple_tag
def letter_table(caption: str, row_heading: str, rows: list[Row], total: Counts | None = None,
                 policy_goal: bool = False) -> SafeString:
    """{% letter_table "基本目標ごとの実施状況（事業数と割合）" "基本目標" summary.goals summary.total %}"""
    return charts.letter_table(caption, row_heading, rows, total, policy_goal)
