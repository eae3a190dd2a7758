"""KPI screens: a project's actuals saved from its entry page; a goal's or a policy's actual on
its own page, through the entry's rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from projects.models import Kpi
from reviews.access import (
    get_entry_for,
    get_kpi_actual_for,
    get_kpi_report_for,
    get_round_for,
    kpi_reports_visible_to,
    rounds_visible_to,
)
from reviews.entries import workflow
from reviews.entries.items import TRANSITIONS
from reviews.entries.views import render_entry
from reviews.kpis.achievement import FORMULA
from reviews.kpis.actuals import KpiActualForm, report_row, save_entry_kpis, stored_values
from reviews.kpis.amendments import AmendmentError, AmendmentForm, record_amendment
from reviews.kpis.reports import RULES_FOR_REPORTS
from reviews.kpis.trend import trend_chart, trends
from reviews.models import Entry, KpiActual
from reviews.results.forms import AnswerCommentForm


@login_required
@require_POST
def entry_kpis(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    actuals = KpiActual.objects.filter(entry=entry).select_related("kpi")
    forms = {a.pk: KpiActualForm.for_actual(a, data=request.POST) for a in actuals}
    if not all(form.is_valid() for form in forms.values()):
        return render_entry(request, entry, status=400, kpi_forms=forms)
    try:
        changed = save_entry_kpis(entry, by=request.user, values={pk: form.cleaned_data for pk, form in forms.items()})
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return render_entry(request, get_entry_for(request.user, pk), status=409, kpi_forms=forms)
    messages.success(request, "KPI の実績を保存しました。" if changed else "KPI の実績に変更はありませんでした。")
    return redirect("reviews:entry", pk=entry.pk)


KPI_MESSAGES = {
    "save": "KPI の実績を下書き保存しました。",
    "submit": "KPI の実績を提出しました。企画課の審査を待っています。",
    "withdraw": "KPI の実績の提出を取り下げました。",
    "return": "KPI の実績を差し戻しました。",
    "approve": "KPI の実績を承認しました。",
    "reopen": "KPI の実績の承認を取り消して差し戻しました。",
}


@login_required
def round_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """The goals' and policies' KPI actuals of a round the user reports (or reviews)."""
    round_ = get_round_for(request.user, pk)
    reports = list(kpi_reports_visible_to(request.user).filter(round=round_).select_related("kpi")
                   .order_by("kpi__level", "kpi__order", "kpi_id"))
    return render(request, "reviews/kpis/reports.html", {
        "round": round_, "reports": reports, "unfinished": sum(1 for r in reports if r.state in Entry.UNFINISHED_STATES),
    })


def _render_report(request: HttpRequest, actual: KpiActual, *, form: KpiActualForm | None = None, status: int = 200,
                   comment_error: tuple[str, str] | None = None, amend_form=None) -> HttpResponse:
    rules = RULES_FOR_REPORTS
    actions = {rule.action: rule for rule in rules.available_actions(actual, request.user)}
    events = list(actual.events.select_related("actor"))
    return render(request, "reviews/kpis/report.html", {
        "actual": actual, "actions": actions,
        "row": report_row(actual, request.user, editable="save" in actions, form=form, amend_form=amend_form),
        "transitions": [
            {"rule": actions[a], "error": comment_error[1] if comment_error and comment_error[0] == a else "",
             "typed": request.POST.get("comment", "") if comment_error and comment_error[0] == a else ""}
            for a in TRANSITIONS if a in actions and a != "submit"
        ],
        "events": events, "return_reason": rules.return_reason(actual, events),
        **_trend_context(actual, request.user),
    }, status=status)


def _trend_context(actual: KpiActual, user) -> dict:
    found = trends(Kpi.objects.filter(pk=actual.kpi_id), rounds_visible_to(user))
    trend = found[0]
    return {"trend": trend, "chart": trend_chart(trend, f"kpi-chart-{actual.kpi_id}"), "formula": FORMULA}


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_report(request, get_kpi_report_for(request.user, pk))


@login_required
@require_POST
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the actual as a draft or submit it (saving first): the button says which."""
    actual = get_kpi_report_for(request.user, pk)
    intent = request.POST.get("intent")
    if intent not in ("save", "submit"):
        return HttpResponseBadRequest("不明な操作です。")
    form = KpiActualForm.for_actual(actual, data=request.POST)
    if not form.is_valid():
        return _render_report(request, actual, form=form, status=400)
    values = stored_values(actual.kpi, form.cleaned_data)
    version = form.cleaned_data["version"]
    try:
        if intent == "save":
            RULES_FOR_REPORTS.save(actual, by=request.user, version=version, values=values)
        else:
            RULES_FOR_REPORTS.submit(actual, by=request.user, version=version, values=values)
    except workflow.WorkflowError as error:
        if error.draft_saved:
            messages.info(request, "入力した内容は下書きとして保存しました（まだ提出されていません）。")
        messages.error(request, error.message)
        current = get_kpi_report_for(request.user, pk)
        data = request.POST.copy()
        data[f"kpi-{current.pk}-version"] = str(current.version)
        form = KpiActualForm.for_actual(current, data=data)
        form.is_valid()
        return _render_report(request, current, form=form, status=409)
    messages.success(request, KPI_MESSAGES[intent])
    return redirect("reviews:kpi-report", pk=actual.pk)


@login_required
@require_POST
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actual = get_kpi_report_for(request.user, pk)
    if action not in TRANSITIONS or action == "submit":
        return HttpResponseBadRequest("不明な操作です。")
    form = AnswerCommentForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            return _render_report(request, actual, status=400, comment_error=(action, " ".join(form.errors["comment"])))
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
        return redirect("reviews:kpi-report", pk=actual.pk)
    comment = form.cleaned_data["comment"]
    if workflow.RULES[action].needs_comment and not comment.strip():
        return _render_report(request, actual, status=400, comment_error=(
            action, "理由を入力してください。担当課に伝わる内容を書いてください（空白だけでは送れません）。"))
    try:
        RULES_FOR_REPORTS.transition(action, actual, by=request.user, version=form.cleaned_data["version"],
                                     comment=comment)
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return _render_report(request, get_kpi_report_for(request.user, pk), status=409,
                              comment_error=(action, error.message))
    messages.success(request, KPI_MESSAGES[action])
    return redirect("reviews:kpi-report", pk=actual.pk)


@login_required
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a figure confirmed after the round was published, beside the published one."""
    actual = get_kpi_actual_for(request.user, pk)
    form = AmendmentForm(request.POST, actual=actual)
    back = ("reviews:entry", actual.entry_id) if actual.entry_id else ("reviews:kpi-report", actual.pk)

    def again(status: int) -> HttpResponse:
        if actual.entry_id:
            return render_entry(request, get_entry_for(request.user, actual.entry_id), status=status,
                                kpi_amend_forms={actual.pk: form})
        return _render_report(request, actual, status=status, amend_form=form)

    if not form.is_valid():
        return again(400)
    try:
        record_amendment(actual, by=request.user, **form.cleaned_data)
    except AmendmentError as error:
        form.add_error(None, error.message)
        return again(409)
    messages.success(request, "公表後に確定した実績を記録しました。公表した値はそのまま残り、次の評価回からはこの値で計算します。")
    return redirect(back[0], pk=back[1])
