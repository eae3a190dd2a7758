"""A KPI figure confirmed after its round was published: recorded as a dated amendment beside the
published value, which never changes. The later rounds compute with it (records.figure_of)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from projects.access import is_reviewer, reach_ids_of
from projects.forms import DateField, KpiNumberField, SafeCharField
from projects.text import normalize_text
from projects.validators import (
    KPI_DECIMAL_PLACES,
    KPI_NUMBER_MESSAGE,
    KPI_WHOLE_DIGITS,
    kpi_number_fits,
    validate_safe_text,
)
from reviews.fields import TEXT_MAX_LENGTH
from reviews.models import KpiActual, KpiAmendment

# The number fields of every KPI form.
NUMBER = dict(max_digits=KPI_WHOLE_DIGITS + KPI_DECIMAL_PLACES, decimal_places=KPI_DECIMAL_PLACES, required=False,
              error_messages={"invalid": "数字で入力してください。", "max_decimal_places": "小数点以下は4桁までです。",
                              "max_digits": KPI_NUMBER_MESSAGE, "max_whole_digits": KPI_NUMBER_MESSAGE})


def ratio_problem(numerator: Decimal | None, denominator: Decimal | None) -> tuple[str, str] | None:
    """What is wrong with a percentage KPI's 分子 and 分母, as (the field, the message), or None.
    One rule for the KPI form, the KPI sheet and the amendments."""
    if denominator is not None and denominator <= 0:
        return "denominator", "分母は0より大きい数にしてください。"
    if numerator is not None and numerator < 0:
        return "numerator", "分子は0以上の数にしてください（割合の指標です）。"
    if denominator and numerator is not None and not kpi_number_fits(numerator / denominator * 100):
        return "numerator", "分子÷分母×100 が大きすぎます。分子と分母を確かめてください。"
    return None


class AmendmentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def may_amend(actual: KpiActual, user) -> bool:
    """Once its round is published, the reporting department (or a reviewer) records the figure."""
    return actual.round.is_published and (is_reviewer(user) or actual.department_id in reach_ids_of(user))


class AmendmentForm(forms.Form):
    value = KpiNumberField(label="確定した実績値", **NUMBER)
    numerator = KpiNumberField(label="分子", **NUMBER)
    denominator = KpiNumberField(label="分母", **NUMBER)
    confirmed_on = DateField(label="確定した日", widget=forms.DateInput(attrs={"type": "date"}),
                             error_messages={"required": "確定した日を入力してください。"})
    comment = SafeCharField(label="コメント（出典など）", required=False, max_length=TEXT_MAX_LENGTH,
                              validators=[validate_safe_text], widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で入力してください。"})

    def __init__(self, *args, actual: KpiActual, **kwargs):
        super().__init__(*args, prefix=f"amend-{actual.pk}", **kwargs)
        kpi = actual.kpi
        self.fields["value"].label = f"確定した実績値（{kpi.unit}）"
        if kpi.percentage:
            self.fields["numerator"].label = f"分子（{kpi.numerator_label}）"
            self.fields["denominator"].label = f"分母（{kpi.denominator_label}）"
            del self.fields["value"]
        else:
            del self.fields["numerator"], self.fields["denominator"]

    def clean_comment(self) -> str:
        return normalize_text(self.cleaned_data["comment"]).strip()


@transaction.atomic
def record_amendment(actual: KpiActual, *, by, confirmed_on: date, value: Decimal | None = None,
                     numerator: Decimal | None = None, denominator: Decimal | None = None,
                     comment: str = "") -> KpiAmendment:
    """Record the confirmed figure of a published round's KPI, beside the published one."""
    locked = KpiActual.objects.select_for_update().select_related("round", "kpi").get(pk=actual.pk)
    if not may_amend(locked, by):
        if not locked.round.is_published:
            raise AmendmentError("公表前の評価回では、実績をそのまま直してください（公表後の確定値は公表した評価回に記録します）。")
        raise PermissionDenied("公表後の確定値は、報告する課の職員か企画課の審査担当者だけが記録できます。")
    kpi = locked.kpi
    if kpi.percentage:
        if numerator is None or not denominator:
            raise AmendmentError(f"「{kpi.name}」は割合の指標です。分子と分母（0より大きい数）を入力してください。")
        if problem := ratio_problem(numerator, denominator):
            raise AmendmentError(problem[1])
        value = (numerator / denominator * 100).quantize(Decimal("0.0001"))
    elif value is None:
        raise AmendmentError(f"「{kpi.name}」の確定した実績値を入力してください。")
    if confirmed_on > timezone.localdate():
        raise AmendmentError("確定した日に、まだ来ていない日は入力できません。")
    if confirmed_on < date(locked.round.fiscal_year, 4, 1):
        raise AmendmentError(f"確定した日は、{locked.round.fiscal_year}年4月1日（その年度の始め）より後にしてください。")
    return KpiAmendment.objects.create(actual=locked, value=value, numerator=numerator if kpi.percentage else None,
                                       denominator=denominator if kpi.percentage else None,
                                       confirmed_on=confirmed_on, comment=comment, recorded_by=by)
