"""The planning division's round management: create, open, close, publish, deadlines, progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from projects.access import is_reviewer
from projects.fiscal_year import format_date, format_fiscal_year
from projects.forms import as_id
from projects.models import Department, Project
from reviews.access import entries_visible_to, get_round_for
from reviews.entries import workflow
from reviews.models import Entry, Round, several_strategies
from reviews.rounds import life as rounds
from reviews.rounds import lists
from reviews.rounds import progress as progress_of
from reviews.rounds.forms import DeadlineForm, ExtensionForm, RoundCreateForm, StrategyChoiceForm

# State changes that are hard to undo go through a confirmation page first.
CONFIRMED_ACTIONS = {"close": "締め切って", "publish": "公表して"}

ROUND_MESSAGES = {
    "open": "受付を開始しました。担当課から評価を入力できるようになりました。",
    "close": "締め切りました。担当課は差し戻された評価だけを直せます。",
    "reopen": "受付を再開しました。",
    "publish": "公表しました。以後この評価回は変更できません。",
}


def _require_reviewer(user) -> None:
    if not is_reviewer(user):
        raise PermissionDenied("この画面は企画課の審査担当者だけが使えます。")


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    all_rounds = Round.objects.select_related("strategy").annotate(
        total=Count("entries"), approved=Count("entries", filter=Q(entries__state=Entry.State.APPROVED))
    )
    return render(request, "reviews/rounds/round_list.html", {"rounds": all_rounds})


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    """A strategy's next round from its last one (its first from its hierarchy), prefilled and
    editable; first asks which strategy when several are evaluated that year."""
    _require_reviewer(request.user)
    following = rounds.strategies_to_continue()
    if not following:
        messages.error(request, "総合戦略がありません。管理画面で入力表から評価回を作成してください。")
        return redirect("reviews:manage-rounds")
    chosen = request.POST.get("strategy") or request.GET.get("strategy")
    chooser = StrategyChoiceForm({"strategy": chosen} if chosen else None, following=following)
    if len(following) > 1 and not (chooser.is_bound and chooser.is_valid()):
        return render(request, "reviews/rounds/round_create_choose.html", {"chooser": chooser})
    strategy = chooser.cleaned_data["strategy"] if len(following) > 1 else following[0].strategy
    start = next(n for n in following if n.strategy.pk == strategy.pk)
    projects = Project.objects.filter(policy__goal__strategy=strategy, active=True).select_related("policy__goal")
    form = RoundCreateForm(request.POST or None, projects=projects,
                           initial={"fiscal_year": format_fiscal_year(start.fiscal_year), **start.defaults})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = rounds.create_round(
                start.previous, strategy=strategy, by=request.user, fiscal_year=data["fiscal_year"],
                title=data["title"], implementation_heading=data["implementation_heading"], legend=data["legend"],
                deadline=data["deadline"], retire=list(data["retire"]),
            )
        except rounds.RoundError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{round_.display_name} を作成しました（評価 {round_.entries.count()} 件、準備中）。")
            return redirect("reviews:manage-round", pk=round_.pk)
    return render(request, "reviews/rounds/round_create.html", {
        "form": form, "start": start, "several_strategies": several_strategies(), "choosing": len(following) > 1,
    })


@login_required
def round_manage(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_page(request, get_round_for(request.user, pk))


def _manage_page(request: HttpRequest, round_: Round, *, extension_form: ExtensionForm | None = None,
                 deadline_form: DeadlineForm | None = None, status: int = 200) -> HttpResponse:
    _require_reviewer(request.user)  # checked here: a refused extension shows this page too
    departments = lists.round_departments(round_)
    return render(request, "reviews/rounds/round_manage.html", {
        "round": round_,
        "actions": rounds.available_round_actions(round_),
        "may_add_projects": rounds.may_add_projects(round_),
        "may_set_deadline": rounds.may_set_deadline(round_),
        "may_extend_deadline": rounds.may_extend_deadline(round_),
        "deadline_form": deadline_form or DeadlineForm(initial={"deadline": round_.deadline}),
        "extension_form": extension_form or ExtensionForm(departments=departments),
        "extensions": round_.extensions.select_related("department", "granted_by").order_by("department__name"),
        "events": round_.events.select_related("actor"),
    }, status=status)


@login_required
@require_POST
def round_change_state(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    if action not in rounds.ROUND_RULES:
        raise Http404("不明な操作です。")
    if action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "yes":
        # Hard to undo: first a page (rendered here, no script needed) saying what will happen.
        _require_reviewer(request.user)
        if refusal := rounds.state_change_refusal(round_, action):  # not offered for what cannot be done
            messages.error(request, refusal)
            return redirect("reviews:manage-round", pk=round_.pk)
        return render(request, "reviews/rounds/confirm_state.html", {
            "round": round_, "rule": rounds.ROUND_RULES[action], "action": action,
            "question": CONFIRMED_ACTIONS[action],
            "possible": action != "publish" or not round_.entries.exclude(state=Entry.State.APPROVED).exists(),
            "consequences": rounds.state_change_consequences(round_, action),
        })
    try:
        rounds.change_state(round_, action, by=request.user, comment=request.POST.get("comment", "").strip())
    except rounds.RoundError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ROUND_MESSAGES[action])
    return redirect("reviews:manage-round", pk=round_.pk)


@login_required
@require_POST
def round_add_projects(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    try:
        added = rounds.add_projects(round_, by=request.user)
    except rounds.RoundError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"評価のない実施中の事業 {added} 件に、下書きの評価を追加しました。")
    return redirect("reviews:manage-round", pk=round_.pk)


@login_required
@require_POST
def round_set_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    form = DeadlineForm(request.POST)
    if not form.is_valid():  # the page again, with what was typed and why beside it
        messages.error(request, "提出期限を確かめてください。")
        return _manage_page(request, round_, deadline_form=form, status=400)
    try:
        rounds.set_deadline(round_, form.cleaned_data["deadline"], by=request.user)
    except rounds.RoundError as error:
        messages.error(request, error.message)
        return _manage_page(request, round_, deadline_form=form, status=400)
    messages.success(request, f"提出期限を {format_date(form.cleaned_data['deadline'])} にしました。")
    return redirect("reviews:manage-round", pk=round_.pk)


@login_required
@require_POST
def round_extend(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request.user)
    round_ = get_round_for(request.user, pk)
    # Any department: extend_deadline itself says plainly when one has no entries in the round.
    form = ExtensionForm(request.POST, departments=Department.objects.values_list("pk", "name"))
    if not form.is_valid():  # the page again, with what was typed and why it was refused beside it
        messages.error(request, "担当課と延長後の提出期限を確かめてください。")
        return _manage_page(request, round_, extension_form=form, status=400)
    data = form.cleaned_data
    try:
        record = rounds.extend_deadline(round_, data["department"], data["deadline"], by=request.user)
    except rounds.RoundError as error:
        # The page again with what was typed, as for a refused form.
        messages.error(request, error.message)
        return _manage_page(request, round_, extension_form=form, status=400)
    messages.success(request, record.comment)
    return redirect("reviews:manage-round", pk=round_.pk)


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """For each department: its entries by state, whether it is late, when it last worked (the
    letters are on the round's summary, reviews.results)."""
    _require_reviewer(request.user)
    round_ = get_round_for(request.user, pk)
    today = timezone.localdate()
    listing = lists.paginate(progress_of.kept_department_progress(round_, today), request.GET)
    return render(request, "reviews/rounds/progress.html", {
        "round": round_, "departments": listing.page.object_list, "listing": listing, "today": today,
        "rows": progress_of.table_rows(listing.page.object_list, reverse("reviews:round", args=[round_.pk])),
    })


@login_required
@require_POST
def approve_selected(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve several submitted entries from the queue, after a confirmation page that lists
    them; each is still checked on its own."""
    round_ = get_round_for(request.user, pk)
    _require_reviewer(request.user)
    chosen = []
    for raw_id in request.POST.getlist("entry"):
        if (entry_id := as_id(raw_id)) is None:
            continue
        entry = entries_visible_to(request.user).filter(round=round_, pk=entry_id).select_related("project").first()
        if entry is not None:
            chosen.append((entry, request.POST.get(f"version-{entry.pk}", "")))
    if chosen and request.POST.get("confirmed") != "yes":
        return render(request, "reviews/rounds/confirm_approve.html", {"round": round_, "chosen": chosen})
    approved, refused = [], []
    for entry, raw_version in chosen:
        if (version := as_id(raw_version)) is None:
            refused.append(f"{entry.project.name}: 画面を開き直してから、もう一度選んでください。")
            continue
        try:
            workflow.approve(entry, by=request.user, version=version)
        except (PermissionDenied, workflow.WorkflowError) as error:
            refused.append(f"{entry.project.name}: {getattr(error, 'message', '') or str(error)}")
        else:
            approved.append(entry.project.name)
    if approved:
        messages.success(request, f"{len(approved)} 件を承認しました。")
    for text in refused:
        messages.error(request, f"承認できませんでした — {text}")
    if not approved and not refused:
        messages.error(request, "承認する評価を選んでください。")
    return redirect("reviews:queue", pk=round_.pk)
