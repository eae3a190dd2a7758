"""Which rounds, entries and sheets a user may see: the querysets every view, download, command
and the admin go through (404 outside them, so another department's entries cannot even be told
apart from missing ones).

Roles and memberships are decided in projects.access; what may be *done* to an entry in
reviews.entries.workflow.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from projects.access import UserLike, department_ids_of, departments_of, reach_ids_of, sees_everything
from projects.history import held_by, one_project_history_prefetch, predecessor_ids, runs_today
from projects.models import Department, ProjectDepartment, ProjectDepartmentPeriod
from reviews.models import Answer, Entry, KpiActual, Opinion, Round, SheetUpload


def rounds_visible_to(user: UserLike) -> QuerySet[Round]:
    """Departments see a round once it is open; reviewers and administrators see them all."""
    rounds = Round.objects.select_related("strategy")
    if not user.is_authenticated:
        return rounds.none()
    if sees_everything(user):
        return rounds
    return rounds.exclude(state=Round.State.PREPARING)


def entries_visible_to(user: UserLike) -> QuerySet[Entry]:
    """Every entry the user may look at, in every state and round they can see: a department sees
    every round of the projects it runs today, and the entries of each year it (or a department it
    took over from) ran, so a clerk still sees what they wrote after a reorganisation."""
    entries = Entry.objects.filter(round__in=rounds_visible_to(user))
    if sees_everything(user):
        return entries
    # reach_ids_of is own | predecessor_ids(own), as entries_of_departments(own) reads it, asked once a request.
    reach = reach_ids_of(user)
    return entries.filter(linked_to_any(reach), runs_today(department_ids_of(user)) | held_by(reach))


def linked_to_any(department_ids: Iterable[int]) -> Q:
    """Entries of projects these departments run today or ran in some year: a superset of what
    runs_today and held_by choose, read by two plain lookups. Asked first, it leaves their
    correlated subqueries a department's few entries instead of every entry of the round (a
    department's list of a 5,000-project round: 5.4 → 2.4 ms in SQLite)."""
    ids = list(department_ids)
    return (Q(project_id__in=ProjectDepartment.objects.filter(department_id__in=ids).values("project_id"))
            | Q(project_id__in=ProjectDepartmentPeriod.objects.filter(department_id__in=ids).values("project_id")))


def entries_of_departments(department_ids: Iterable[int]) -> Q:
    """The entries that are these departments' in their round's year: the projects they ran then,
    or that departments they took over from (merged or split) ran then. A department's sheet,
    list filter and progress row all mean this."""
    ids = set(department_ids)
    return held_by(ids | predecessor_ids(ids))


def get_entry_for(user: UserLike, pk: int) -> Entry:
    """The entry with ``pk`` if the user may see it; 404 otherwise, so that another
    department's entries cannot even be told apart from missing ones.

    The entry is read with its round, project and the project's departments and periods (the
    page needs them all), and entries_visible_to's rule is then decided from what was read
    (may_see_entry): the same answer without compiling its subqueries on every request.

    Not ``text_author`` (only its id is compared): PostgreSQL plans every extra LEFT JOIN of
    auth_user at a cost, and with both users joined the planning alone took about 3 ms of the
    server's CPU on each entry page and save (scripts/load_test.py)."""
    found = list(
        Entry.objects.select_related("round__strategy", "project__policy__goal", "updated_by")
        .prefetch_related(*one_project_history_prefetch())
        .filter(pk=pk).order_by()[:1]
    ) if 0 < pk < 2**63 else []
    entry = found[0] if found else None
    if entry is None or not may_see_entry(user, entry):
        raise Http404("評価が見つかりません。")
    return entry


def may_see_entry(user: UserLike, entry: Entry) -> bool:
    """entries_visible_to's rule for one entry already read (uses its round and its project's
    ``project_departments`` and ``department_periods``, prefetched by get_entry_for): a round the
    user sees, and for a department, a project it runs today or one it (or a department it took
    over from) ran in the round's year: the period that covered the year, else today's links
    (projects.history.held_by). tests/reviews/test_access_entry_rule.py compares the two."""
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    if entry.round.state == Round.State.PREPARING:
        return False
    project = entry.project
    today = {link.department_id for link in project.project_departments.all()}
    if today & department_ids_of(user):
        return True
    year = entry.round.fiscal_year
    covered = {period.department_id for period in project.department_periods.all()
               if period.last_year >= year and (period.first_year is None or period.first_year <= year)}
    return bool((covered or today) & reach_ids_of(user))


def visible_rounds(user: UserLike) -> list[Round]:
    """rounds_visible_to(user), newest first, read once a request: the page's round, the header's
    current round and the lists' round switcher all come from it. Kept on the request's user (a new
    object each request), as projects.access keeps the role: set_role forgets it; a round changed
    during a request shows on the next page (every view that changes one redirects)."""
    cached = getattr(user, "_visible_rounds", None)
    if cached is None:
        cached = list(rounds_visible_to(user))
        user._visible_rounds = cached
    return cached


def get_round_for(user: UserLike, pk: int) -> Round:
    round_ = next((r for r in visible_rounds(user) if r.pk == pk), None)
    if round_ is None:
        raise Http404("評価回が見つかりません。")
    return round_


def may_use_city_sheet(user: UserLike) -> bool:
    """The whole city's sheet (and every department's) is for reviewers and administrators."""
    return sees_everything(user)


def sheet_departments_for(user: UserLike) -> QuerySet[Department]:
    """The departments whose sheets the user may download and upload: their own (with sub-units);
    reviewers and administrators may use every department's."""
    if may_use_city_sheet(user):
        return Department.objects.all()
    return departments_of(user)


def may_use_sheet(user: UserLike, department: Department | None) -> bool:
    """Whether the user may download or upload this sheet; None is the whole city's."""
    if department is None:
        return may_use_city_sheet(user)
    return sheet_departments_for(user).filter(pk=department.pk).exists()


def sheet_uploads_visible_to(user: UserLike) -> QuerySet[SheetUpload]:
    """The kept sheets a user may list and download: a department's uploads to its members (with
    sub-units, as its sheet), in the rounds they see; the whole city's and every department's to
    reviewers and administrators."""
    uploads = SheetUpload.objects.filter(round__in=rounds_visible_to(user)).select_related(
        "round__strategy", "department", "uploaded_by")
    if may_use_city_sheet(user):
        return uploads
    return uploads.filter(department__in=sheet_departments_for(user))


def get_sheet_upload_for(user: UserLike, pk: int) -> SheetUpload:
    upload = sheet_uploads_visible_to(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if upload is None:
        raise Http404("取り込んだ入力表が見つかりません。")
    return upload


def may_see_summary(user: UserLike, round_: Round) -> bool:
    """A published round's summary is for everyone who sees the round (it becomes public); the
    provisional summary of a round in progress is the planning division's."""
    return round_.state == Round.State.PUBLISHED or sees_everything(user)


def opinions_visible_to(user: UserLike) -> QuerySet[Opinion]:
    """The committee's opinions: reviewers and administrators see all; a department those
    addressed to it (or its sub-units)."""
    opinions = Opinion.objects.select_related("round", "project", "policy__goal", "goal")
    if not user.is_authenticated:
        return opinions.none()
    if sees_everything(user):
        return opinions
    return opinions.filter(departments__in=reach_ids_of(user)).distinct()


def answers_visible_to(user: UserLike) -> QuerySet[Answer]:
    """Answers: reviewers and administrators see all; a department its own (and its sub-units')."""
    answers = Answer.objects.select_related("round", "department", "opinion__round", "opinion__project",
                                            "opinion__policy__goal", "opinion__goal", "updated_by")
    if not user.is_authenticated:
        return answers.none()
    if sees_everything(user):
        return answers
    return answers.filter(department__in=reach_ids_of(user))


def may_see_answer(user: UserLike, answer: Answer) -> bool:
    """answers_visible_to's rule for one answer already read."""
    if not user.is_authenticated:
        return False
    return sees_everything(user) or answer.department_id in reach_ids_of(user)


def get_opinion_for(user: UserLike, pk: int) -> Opinion:
    opinion = opinions_visible_to(user).filter(pk=pk).first()
    if opinion is None:
        raise Http404("委員会意見が見つかりません。")
    return opinion


def get_answer_for(user: UserLike, pk: int) -> Answer:
    answer = answers_visible_to(user).filter(pk=pk).first()
    if answer is None:
        raise Http404("対応方針が見つかりません。")
    return answer


def kpi_reports_visible_to(user: UserLike) -> QuerySet[KpiActual]:
    """Goals' and policies' KPI actuals (a project's go with its entry): reviewers and
    administrators see all; a department those it reports."""
    reports = KpiActual.objects.filter(entry__isnull=True).select_related(
        "round__strategy", "kpi__goal", "kpi__policy__goal", "department", "updated_by")
    if not user.is_authenticated:
        return reports.none()
    if sees_everything(user):
        return reports
    return reports.filter(department__in=reach_ids_of(user))


def get_kpi_report_for(user: UserLike, pk: int) -> KpiActual:
    report = kpi_reports_visible_to(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if report is None:
        raise Http404("KPI の実績が見つかりません。")
    return report


def get_kpi_actual_for(user: UserLike, pk: int) -> KpiActual:
    """Any KPI actual the user may see: a project's through its entry, a goal's or policy's as a report."""
    actual = KpiActual.objects.select_related("round", "kpi", "department").filter(pk=pk).first() \
        if 0 < pk < 2**63 else None
    if actual is None:
        raise Http404("KPI の実績が見つかりません。")
    if actual.entry_id:
        if not entries_visible_to(user).filter(pk=actual.entry_id).exists():
            raise Http404("KPI の実績が見つかりません。")
        return actual
    return get_kpi_report_for(user, pk)


def kpi_actuals_visible_to(user: UserLike) -> QuerySet[KpiActual]:
    """Every KPI actual the user may see: a project's through its entry, a goal's or a policy's as a report."""
    if sees_everything(user):
        return KpiActual.objects.all()
    return (KpiActual.objects.filter(entry__in=entries_visible_to(user))
            | KpiActual.objects.filter(pk__in=kpi_reports_visible_to(user).values("pk")))
