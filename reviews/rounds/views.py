"""Lists: each user's home, a round's entries grouped as on the sheet, the reviewers' queue."""

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from projects.access import is_reviewer, sees_everything
from projects.models import Department, Goal
from reviews.access import entries_visible_to, get_round_for, rounds_visible_to
from reviews.models import Entry, Event, Notification, Round
from reviews.rounds.forms import EntryFilterForm

ACTIVE_STATES = (Round.State.OPEN, Round.State.CLOSED)
UNFINISHED = (Entry.State.DRAFT, Entry.State.RETURNED)


def current_round(user) -> Round | None:
    """The round people are working on now: the latest open or closed one they can see."""
    return rounds_visible_to(user).filter(state__in=ACTIVE_STATES).order_by("-fiscal_year").first()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each user lands on their own work: reviewers on the queue, departments on their entries."""
    round_ = current_round(request.user)
    if round_ is None:
        return render(request, "reviews/rounds/home_empty.html", {"rounds": rounds_visible_to(request.user)})
    if is_reviewer(request.user):
        return redirect("reviews:queue", pk=round_.pk)
    return redirect("reviews:round", pk=round_.pk)


def _entries_with_list_data(user, round_: Round):
    return (
        entries_visible_to(user)
        .filter(round=round_)
        .select_related("project__policy__goal", "updated_by")
        .prefetch_related("project__project_departments__department")
    )


def _filter_form(request: HttpRequest, round_: Round, reviewer: bool) -> EntryFilterForm:
    departments = Department.objects.filter(project_links__project__entries__round=round_).distinct()
    goals = Goal.objects.filter(strategy=round_.strategy)
    form = EntryFilterForm(request.GET or None, departments=departments if reviewer else (), goals=goals)
    form.is_valid()
    return form


def _apply_filters(entries, form: EntryFilterForm):
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("state"):
        entries = entries.filter(state=data["state"])
    if data.get("department"):
        entries = entries.filter(project__departments=data["department"])
    if data.get("goal"):
        entries = entries.filter(project__policy__goal=data["goal"])
    return entries


def _group_by_goal_and_policy(entries) -> list:
    """[(goal, [(policy, [entry, …]), …]), …] in the sheet's order."""
    groups: OrderedDict = OrderedDict()
    for entry in entries:
        policy = entry.project.policy
        groups.setdefault(policy.goal, OrderedDict()).setdefault(policy, []).append(entry)
    return [(goal, list(policies.items())) for goal, policies in groups.items()]


@login_required
def round_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's entries as on the sheet: the department's home, and everyone's earlier rounds."""
    round_ = get_round_for(request.user, pk)
    everything = sees_everything(request.user)
    entries = _entries_with_list_data(request.user, round_)
    counts = entries.aggregate(
        total=Count("pk", distinct=True),
        left=Count("pk", filter=Q(state__in=UNFINISHED), distinct=True),
        submitted=Count("pk", filter=Q(state=Entry.State.SUBMITTED), distinct=True),
        approved=Count("pk", filter=Q(state=Entry.State.APPROVED), distinct=True),
    )
    form = _filter_form(request, round_, everything)
    entries = _apply_filters(entries, form).order_by(
        "project__policy__goal__number", "project__policy__order", "project__order"
    )
    return render(
        request,
        "reviews/rounds/round_entries.html",
        {
            "round": round_,
            "groups": _group_by_goal_and_policy(entries),
            "counts": counts,
            "form": form,
            "rounds": rounds_visible_to(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewers' queue: submitted entries, the oldest submission first."""
    if not is_reviewer(request.user):
        raise PermissionDenied("審査待ちの一覧は企画課の審査担当者だけが開けます。")
    round_ = get_round_for(request.user, pk)
    form = _filter_form(request, round_, reviewer=True)
    entries = _entries_with_list_data(request.user, round_).annotate(
        submitted_at=Max("events__created_at", filter=Q(events__action=Event.Action.SUBMIT))
    )
    if not (form.is_bound and form.is_valid() and form.cleaned_data.get("state")):
        entries = entries.filter(state=Entry.State.SUBMITTED)
    entries = _apply_filters(entries, form).order_by("submitted_at", "pk")
    return render(
        request,
        "reviews/rounds/queue.html",
        {"round": round_, "entries": entries, "form": form, "rounds": rounds_visible_to(request.user)},
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notices = Notification.objects.filter(user=request.user).select_related("entry__project")[:100]
    return render(request, "reviews/rounds/notifications.html", {"notices": notices})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, "お知らせをすべて既読にしました。")
    return redirect("reviews:notifications")
