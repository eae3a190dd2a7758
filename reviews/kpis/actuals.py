"""Entering a project's KPI actuals with its entry, and what each KPI's row shows: the figures of
the rounds so far, achievement with its formula, the position against the path, the rating.

A project's actuals are edited whenever its entry may be saved (the entry's own rule, checked by
reviews.entries.workflow.check) and are submitted, returned and approved with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db import transaction

from projects.forms import KpiNumberField, SafeCharField
from projects.models import Kpi
from projects.text import normalize_text
from projects.validators import validate_safe_text
from reviews.access import rounds_visible_to
from reviews.entries import workflow
from reviews.fields import TEXT_MAX_LENGTH
from reviews.kpis.achievement import FORMULA, Progress, percent_text, progress
from reviews.kpis.amendments import NUMBER, AmendmentForm, may_amend, ratio_problem
from reviews.kpis.records import figure_of, figure_problems, indicator_for, scale_of
from reviews.kpis.trend import trend_chart, trends
from reviews.models import Entry, KpiActual


class KpiActualForm(forms.Form):
    """One KPI's actual; the prefix (kpi-<actual pk>) keeps several on one page apart."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="実績の状況", required=False, choices=[("", "選んでください"), *KpiActual.Status.choices],
                               error_messages={"invalid_choice": "一覧から選んでください。"})
    value = KpiNumberField(label="実績値", **NUMBER)
    numerator = KpiNumberField(label="分子", **NUMBER)
    denominator = KpiNumberField(label="分母", **NUMBER)
    note = SafeCharField(label="確定する時期・測れない理由", required=False, max_length=300,
                           validators=[validate_safe_text],
                           error_messages={"max_length": "300文字以内で入力してください。"})
    comment = SafeCharField(label="コメント", required=False, max_length=TEXT_MAX_LENGTH,
                              validators=[validate_safe_text], widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で入力してください。"})

    def __init__(self, *args, kpi: Kpi, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.fields["value"].label = f"実績値（{kpi.unit}）"
        if kpi.percentage:
            self.fields["numerator"].label = f"分子（{kpi.numerator_label}）"
            self.fields["denominator"].label = f"分母（{kpi.denominator_label}）"
        else:
            del self.fields["numerator"], self.fields["denominator"]

    def clean(self):
        cleaned = super().clean()
        for name in ("note", "comment"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = normalize_text(cleaned[name]).strip()
        if problem := ratio_problem(cleaned.get("numerator"), cleaned.get("denominator")):
            self.add_error(*problem)
        return cleaned

    @classmethod
    def for_actual(cls, actual: KpiActual, data=None) -> KpiActualForm:
        initial = {"version": actual.version, "status": actual.status, "value": actual.value,
                   "numerator": actual.numerator, "denominator": actual.denominator, "note": actual.note,
                   "comment": actual.comment}
        return cls(data, initial=initial, prefix=f"kpi-{actual.pk}", kpi=actual.kpi)


@dataclass
class KpiRow:
    actual: KpiActual
    kpi: Kpi
    history: list[tuple[str, KpiActual]]  # (round title, actual) of the earlier rounds
    progress: Progress
    rating: str
    form: KpiActualForm | None
    problems: dict[str, str]
    amend_form: object | None = None  # amendments.AmendmentForm, once the round is published
    trend: object | None = None  # trend.Trend over the rounds the user may see, with its chart
    chart: object | None = None

    @property
    def achievement_text(self) -> str:
        return percent_text(self.progress.achievement) if self.progress.achievement is not None else ""

    @property
    def formula(self) -> str:
        return FORMULA


def _rows(actuals: list[KpiActual], editable: bool, forms_by_actual: dict | None, user=None,
          amend_forms: dict | None = None) -> list[KpiRow]:
    """The rows of ``actuals`` (all of one round), in a fixed number of queries."""

    if not actuals:
        return []
    round_ = actuals[0].round
    earlier: dict[int, list[KpiActual]] = {}
    for other in (KpiActual.objects.filter(kpi__in=[a.kpi_id for a in actuals], round__fiscal_year__lt=round_.fiscal_year)
                  .select_related("round").prefetch_related("amendments").order_by("round__fiscal_year")):
        earlier.setdefault(other.kpi_id, []).append(other)
    scale = scale_of(round_.strategy)
    rows = []
    for actual in actuals:
        figures = {a.round.fiscal_year: f for a in earlier.get(actual.kpi_id, []) if (f := figure_of(a))}
        if (own := figure_of(actual, amended=False)) is not None:  # its own round rates what it published
            figures[round_.fiscal_year] = own
        result = progress(indicator_for(actual), figures, round_.fiscal_year)
        form = None
        if editable:
            form = (forms_by_actual or {}).get(actual.pk) or KpiActualForm.for_actual(actual)
        problems = figure_problems(actual.kpi, status=actual.status, value=actual.value, numerator=actual.numerator,
                                   denominator=actual.denominator, note=actual.note)
        amend_form = None
        if user is not None and may_amend(actual, user):
            amend_form = (amend_forms or {}).get(actual.pk) or AmendmentForm(actual=actual)
        rows.append(KpiRow(actual, actual.kpi, [(a.round.title, a) for a in earlier.get(actual.kpi_id, [])],
                           result, scale.rate(result), form, problems, amend_form))
    return rows


def _with_details(actuals):
    return (actuals.select_related("kpi__strategy", "round__strategy", "department")
            .prefetch_related("kpi__yearly_targets", "amendments").order_by("kpi__order", "kpi_id"))


def kpi_rows(entry: Entry, user, forms_by_actual: dict[int, KpiActualForm] | None = None,
             amend_forms: dict | None = None) -> list[KpiRow]:
    """The project's KPIs for the entry page, with a form each when the user may edit the entry
    (or, once published, record a figure confirmed since)."""
    actuals = list(_with_details(KpiActual.objects.filter(entry=entry)))
    rows = _rows(actuals, bool(actuals) and workflow.allows("save", entry, user), forms_by_actual, user, amend_forms)
    if rows:
        found = {t.kpi.pk: t for t in trends(Kpi.objects.filter(pk__in=[r.kpi.pk for r in rows]),
                                             rounds_visible_to(user), up_to=entry.round.fiscal_year)}
        for row in rows:
            row.trend = found.get(row.kpi.pk)
            if row.trend and len(row.trend.points) > 1:
                row.chart = trend_chart(row.trend, f"kpi-chart-{row.kpi.pk}")
    return rows


def report_row(actual: KpiActual, user, *, editable: bool, form: KpiActualForm | None = None,
               amend_form=None) -> KpiRow:
    """A goal's or a policy's KPI actual on its own page."""
    fresh = _with_details(KpiActual.objects.filter(pk=actual.pk)).get()
    return _rows([fresh], editable, {fresh.pk: form} if form else None, user,
                 {fresh.pk: amend_form} if amend_form else None)[0]


def stored_values(kpi: Kpi, data: dict) -> dict:
    """An actual's fields as they are stored, from a valid form's data: a percentage's value is
    always its numerator over its denominator."""
    fields = {name: data.get(name) for name in ("status", "value", "numerator", "denominator", "note", "comment")}
    fields = {k: ("" if v is None and k in ("status", "note", "comment") else v) for k, v in fields.items()}
    if not kpi.percentage:
        fields["numerator"] = fields["denominator"] = None
    elif fields["numerator"] is not None and fields["denominator"]:
        fields["value"] = (fields["numerator"] / fields["denominator"] * 100).quantize(Decimal("0.0001"))
    return fields


class StaleKpiError(workflow.WorkflowError):
    def __init__(self, kpi: Kpi):
        super().__init__(f"KPI「{kpi.name}」の実績は、開いた後に別の人が保存しました。あなたの内容はまだ保存されていません。"
                         "保存された内容を確認してから、もう一度保存してください。")


@transaction.atomic
def save_entry_kpis(entry: Entry, *, by, values: dict[int, dict]) -> int:
    """Save the actuals of the entry's project KPIs (by actual pk: version and fields), all or
    nothing, while the entry may be saved; returns how many changed."""
    locked_entry = Entry.objects.select_for_update().select_related("round", "project").get(pk=entry.pk)
    workflow.check("save", locked_entry, by)
    actuals = {a.pk: a for a in KpiActual.objects.select_for_update().filter(entry=locked_entry, pk__in=list(values))}
    if set(actuals) != set(values):
        raise workflow.WorkflowError("この評価の KPI ではない実績が含まれています。画面を開き直してください。")
    changed = 0
    for pk, data in values.items():
        actual = actuals[pk]
        if actual.version != data["version"]:
            raise StaleKpiError(actual.kpi)
        fields = stored_values(actual.kpi, data)
        if all(getattr(actual, k) == v for k, v in fields.items()):
            continue
        for name, value in fields.items():
            setattr(actual, name, value)
        actual.version += 1
        actual.text_author = actual.updated_by = by
        actual._history_user = by
        actual.save()
        changed += 1
    return changed
