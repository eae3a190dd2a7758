"""A goal's or a policy's KPI actual: an item of its own on the reporting department's list,
entered, submitted, returned and approved by the entry's rules (reviews.entries.items)."""

from reviews.entries.items import ItemRules
from reviews.kpis.records import figure_problems
from reviews.models import KpiActual, KpiEvent

REPORT_FIELDS = ("status", "value", "numerator", "denominator", "note", "comment")


def _submission_problem(actual: KpiActual) -> str:
    problems = figure_problems(actual.kpi, status=actual.status, value=actual.value, numerator=actual.numerator,
                               denominator=actual.denominator, note=actual.note)
    return " ".join(problems.values())


RULES_FOR_REPORTS = ItemRules(model=KpiActual, event_model=KpiEvent, event_field="actual", noun="KPI の実績",
                              text_fields=REPORT_FIELDS, submission_problem=_submission_problem)

