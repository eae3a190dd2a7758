"""Who may see what: roles, department reach and the querysets every view goes through.

One module decides this. Views, downloads, commands and the admin ask it; nothing else looks
at groups or memberships. What may be *done* to an entry is decided by reviews.entries.workflow, which
uses the roles defined here.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import QuerySet
from django.http import Http404

from projects.models import Department, Project
from reviews.models import Entry, Round

# The planning division's reviewer role (企画課 審査担当) is a group, so administrators grant
# and remove it in the admin like any other role.
REVIEWER_GROUP = "企画課審査担当"

UserLike = AbstractBaseUser | AnonymousUser


def is_administrator(user: UserLike) -> bool:
    """Administrators manage users, departments and the hierarchy, and import flat sheets."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_reviewer(user: UserLike) -> bool:
    """Planning division reviewers see every entry and review them."""
    if not (user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_is_reviewer", None)
    if cached is None:
        cached = user.groups.filter(name=REVIEWER_GROUP).exists()
        user._is_reviewer = cached
    return cached


def sees_everything(user: UserLike) -> bool:
    return is_reviewer(user) or is_administrator(user)


def departments_of(user: UserLike) -> QuerySet[Department]:
    """The departments whose projects the user works on: their own and their sub-units."""
    if not (user.is_authenticated and user.is_active):
        return Department.objects.none()
    own = Department.objects.filter(memberships__user=user).values("pk")
    return Department.objects.filter(pk__in=own) | Department.objects.filter(parent__in=own)


def department_ids_of(user: UserLike) -> set[int]:
    cached = getattr(user, "_department_ids", None)
    if cached is None:
        cached = set(departments_of(user).values_list("pk", flat=True))
        user._department_ids = cached
    return cached


def is_member_for(user: UserLike, project: Project) -> bool:
    """Whether the user belongs to one of the project's departments (sub-units included)."""
    project_departments = {link.department_id for link in project.project_departments.all()}
    return bool(project_departments & department_ids_of(user))


def rounds_visible_to(user: UserLike) -> QuerySet[Round]:
    """Departments see a round once it is open; reviewers and administrators see them all."""
    rounds = Round.objects.select_related("strategy")
    if not user.is_authenticated:
        return rounds.none()
    if sees_everything(user):
        return rounds
    return rounds.exclude(state=Round.State.PREPARING)


def entries_visible_to(user: UserLike) -> QuerySet[Entry]:
    """Every entry the user may look at, in every state and round they can see."""
    entries = Entry.objects.filter(round__in=rounds_visible_to(user))
    if sees_everything(user):
        return entries
    return entries.filter(project__departments__in=departments_of(user)).distinct()


def get_entry_for(user: UserLike, pk: int) -> Entry:
    """The entry with ``pk`` if the user may see it; 404 otherwise, so that another
    department's entries cannot even be told apart from missing ones."""
    entry = (
        entries_visible_to(user)
        .select_related("round__strategy", "project__policy__goal", "text_author", "updated_by")
        .prefetch_related("project__project_departments__department")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404("評価が見つかりません。")
    return entry


def get_round_for(user: UserLike, pk: int) -> Round:
    round_ = rounds_visible_to(user).filter(pk=pk).first()
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


# What reviewers may do in the Django admin: look at everything, manage rounds.
REVIEWER_ADMIN_PERMISSIONS = (
    ("projects", "view_department"),
    ("projects", "view_strategy"),
    ("projects", "view_goal"),
    ("projects", "view_policy"),
    ("projects", "view_project"),
    ("reviews", "view_round"),
    ("reviews", "add_round"),
    ("reviews", "change_round"),
    ("reviews", "view_entry"),
    ("reviews", "view_event"),
    ("reviews", "view_sheetupload"),
)


def ensure_reviewer_group() -> Group:
    group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    for app_label, codename in REVIEWER_ADMIN_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group
