"""Lists: each user's home, a round's entries grouped as on the sheet, the reviewers' queue."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from projects.access import is_administrator, is_reviewer, sees_everything
from reviews.access import get_round_for, visible_rounds
from reviews.models import Notification, Round
from reviews.rounds import help as help_texts
from reviews.rounds import lists
from reviews.rounds.forms import EntryFilterForm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each user lands on their own work: reviewers on the queue, departments on their entries."""
    round_ = lists.current_round(request.user)
    if round_ is None:
        return render(request, "reviews/rounds/home_empty.html", {"rounds": visible_rounds(request.user)})
    if is_reviewer(request.user):
        return redirect("reviews:queue", pk=round_.pk)
    return redirect("reviews:round", pk=round_.pk)


def _filter_form(request: HttpRequest, round_: Round, *, reviewer: bool) -> EntryFilterForm:
    form = EntryFilterForm(request.GET or None, **lists.filter_choices(round_, with_departments=reviewer))
    form.is_valid()
    return form


def _filters(form: EntryFilterForm) -> dict:
    return form.cleaned_data if form.is_bound and form.is_valid() else {}


@login_required
def round_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's entries as on the sheet: the department's home, and everyone's earlier rounds."""
    round_ = get_round_for(request.user, pk)
    counts, entries = lists.counted(request.user, lists.entries_for_lists(request.user, round_))
    form = _filter_form(request, round_, reviewer=sees_everything(request.user))
    filters = _filters(form)
    today = timezone.localdate()
    # Unfiltered, the page's entries are the ones counted: no query to count them again.
    ordered = lists.in_sheet_order(lists.apply_filters(entries, filters),
                                   captured=round_.state == Round.State.PUBLISHED)
    listing = lists.paginate(ordered, request.GET, count=None if any(filters.values()) else counts["total"],
                             by_id=sees_everything(request.user))  # a department's entries are a few hundred at most
    return render(request, "reviews/rounds/round_entries.html", {
        "round": round_,
        "listing": listing,
        "groups": lists.group_by_goal_and_policy(listing.page.object_list, before=listing.before),
        "counts": counts,
        "form": form,
        "rounds": visible_rounds(request.user),
        "is_active": round_.state in Round.ACTIVE_STATES,
        "past_deadline": bool(round_.deadline and round_.deadline < today and round_.state == Round.State.OPEN),
        "answers": lists.answer_counts(request.user, round_),
        "kpi_reports": lists.kpi_report_counts(request.user, round_),
    })


@login_required
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewers' queue: submitted entries, the oldest submission first."""
    if not is_reviewer(request.user):
        raise PermissionDenied("審査待ちの一覧は企画課の審査担当者だけが開けます。")
    round_ = get_round_for(request.user, pk)
    form = _filter_form(request, round_, reviewer=True)
    listing = lists.paginate(lists.queue_entries(request.user, round_, _filters(form)), request.GET)
    lists.offer_selection(lists.as_rows(listing.page.object_list))
    return render(request, "reviews/rounds/queue.html", {
        "round": round_, "entries": listing.page.object_list, "listing": listing, "form": form,
        "rounds": visible_rounds(request.user), "answers": lists.answer_counts(request.user, round_),
        "kpi_reports": lists.kpi_report_counts(request.user, round_),
    })


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


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    """Help for the person's role: what to do now, the Excel path, what each state means, whom to ask."""
    return render(request, "reviews/rounds/help.html", {
        "role_name": help_texts.role_name(request.user),
        "reviewer": is_reviewer(request.user),
        "administrator": is_administrator(request.user) and not is_reviewer(request.user),
        "to_do": help_texts.now_to_do(request.user),
        "state_meanings": help_texts.STATE_MEANINGS,
        "round_meanings": help_texts.ROUND_MEANINGS,
        "contact": help_texts.contact(),
    })
