"""Who people are: roles, the departments a user belongs to, and the members of a department.

One module decides this; nothing else looks at groups or memberships. Which entries and rounds a
user may see is decided in reviews.access, from these answers; what may be done to an entry in
reviews.entries.workflow.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet

from projects.history import departments_in, predecessor_ids
from projects.models import Department, Membership, Project

UserLike = AbstractBaseUser | AnonymousUser


class Role(models.TextChoices):
    """The three roles, named once: the staff import reads their labels, the workflow their values."""

    STAFF = "staff", "担当課職員"
    REVIEWER = "reviewer", "審査担当"
    ADMIN = "admin", "管理者"


# The planning division's reviewer role (企画課 審査担当) is a group, so administrators grant
# and remove it in the admin like any other role.
REVIEWER_GROUP = "企画課審査担当"

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


def _active(user: UserLike) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_administrator(user: UserLike) -> bool:
    """Administrators manage users, departments and the hierarchy, and import flat sheets."""
    return _active(user) and bool(user.is_superuser)


def is_reviewer(user: UserLike) -> bool:
    """Planning division reviewers see every entry and review them."""
    if not _active(user):
        return False
    cached = getattr(user, "_is_reviewer", None)
    if cached is None:
        cached = user.groups.filter(name=REVIEWER_GROUP).exists()
        user._is_reviewer = cached
    return cached


def signed_in_user(user_id) -> AbstractBaseUser | None:
    """The user a session names, read with their staff profile and whether they review in one
    query: every signed-in request reads it, and is_reviewer and must_change_password then ask
    nothing more."""
    reviews = Group.objects.filter(name=REVIEWER_GROUP, user=OuterRef("pk"))
    user = (get_user_model()._default_manager.select_related("staff_profile")
            .annotate(in_reviewer_group=Exists(reviews)).filter(pk=user_id).first())
    if user is not None:
        user._is_reviewer = user.in_reviewer_group
    return user


def sees_everything(user: UserLike) -> bool:
    """Reviewers and administrators see every department's entries."""
    return is_reviewer(user) or is_administrator(user)


def role_of(user) -> Role:
    """The user's one role as the staff list names it (an administrator who reviews is an administrator)."""
    if user.is_superuser:
        return Role.ADMIN
    if user.groups.filter(name=REVIEWER_GROUP).exists():
        return Role.REVIEWER
    return Role.STAFF


def ensure_reviewer_group() -> Group:
    group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    for app_label, codename in REVIEWER_ADMIN_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


def set_role(user, role: Role) -> None:
    """Give a saved user exactly this role: the admin flags and the reviewer group together."""
    user.is_superuser = role == Role.ADMIN
    user.is_staff = role in (Role.ADMIN, Role.REVIEWER)
    user.save(update_fields=["is_superuser", "is_staff"])
    if role == Role.REVIEWER:
        user.groups.add(ensure_reviewer_group())
    else:
        user.groups.remove(*Group.objects.filter(name=REVIEWER_GROUP))
    # What the role decided for this user object, kept for the request (reviews.access keeps its rounds).
    for kept in ("_is_reviewer", "_visible_rounds"):
        user.__dict__.pop(kept, None)


# Departments and their members ----------------------------------------------------------------

def departments_of(user: UserLike) -> QuerySet[Department]:
    """The departments whose projects the user works on: their own and their sub-units."""
    if not _active(user):
        return Department.objects.none()
    own = Department.objects.filter(memberships__user=user).values("pk")
    return Department.objects.filter(pk__in=own) | Department.objects.filter(parent__in=own)


def department_ids_of(user: UserLike) -> set[int]:
    cached = getattr(user, "_department_ids", None)
    if cached is None:
        cached = set(departments_of(user).order_by().values_list("pk", flat=True))  # a set: no order needed
        user._department_ids = cached
    return cached


def reach_ids_of(user: UserLike) -> set[int]:
    """The user's departments and every department whose work passed to them through merges and
    splits: members of the successor see and finish what their predecessors wrote."""
    cached = getattr(user, "_reach_ids", None)
    if cached is None:
        own = department_ids_of(user)
        cached = own | predecessor_ids(own)
        user._reach_ids = cached
    return cached


def is_member_for(user: UserLike, project: Project, year: int | None = None) -> bool:
    """Whether the user works on the project: a member of one of its departments today (sub-units
    included) or, for an entry of ``year``, of a department that ran it then and still exists (a
    project moved away in April is finished by the department that ran it). Departments that took
    over from an ended one see its entries (reach_ids_of) but write only those of projects they
    now run: a split's part never edits what another part took."""
    project_departments = {link.department_id for link in project.project_departments.all()}
    if project_departments & department_ids_of(user):
        return True
    if year is None:
        return False
    return bool({d.pk for d in departments_in(project, year)} & department_ids_of(user))


def with_sub_units(department: Department) -> list[Department]:
    """A department and its sub-units: its members work on all of their projects."""
    return [department, *department.children.all()]


def project_department_ids(project: Project, year: int | None = None) -> set[int]:
    """The departments that work on the project (today's, and for an entry of ``year`` those that
    ran it then) and their parents (uses a prefetch of `project_departments__department`, and of
    projects.history.PROJECT_HISTORY_PREFETCH for a year)."""
    departments = {*project.ordered_departments(), *(departments_in(project, year) if year else ())}
    return {d.pk for d in departments} | {d.parent_id for d in departments if d.parent_id}


def members_of(department_ids: Iterable[int]) -> QuerySet:
    """Active users who belong to any of these departments."""
    return get_user_model().objects.filter(is_active=True, memberships__department__in=list(department_ids)).distinct()


def department_members(department: Department) -> QuerySet:
    """Members of the department and, for a sub-unit, of its parent (they work on it too)."""
    return members_of([department.pk] + ([department.parent_id] if department.parent_id else []))


def project_members(project: Project, year: int | None = None) -> QuerySet:
    """Everyone who works on the project: members of its departments and of their parents (for an
    entry of ``year``, those of the departments that ran it then too)."""
    return members_of(project_department_ids(project, year))


def reviewers() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, groups__name=REVIEWER_GROUP).distinct()


def department_names_of(user) -> list[str]:
    """The names of the departments the user is a member of (not their sub-units), sorted."""
    return sorted(Membership.objects.filter(user=user).values_list("department__name", flat=True))


def set_memberships(user, departments: Iterable[Department]) -> None:
    """Make the user a member of exactly these departments (April's moves lose the old rights)."""
    wanted = {d.pk for d in departments}
    Membership.objects.filter(user=user).exclude(department_id__in=wanted).delete()
    have = set(Membership.objects.filter(user=user).values_list("department_id", flat=True))
    Membership.objects.bulk_create(Membership(user=user, department_id=pk) for pk in sorted(wanted - have))
    user.__dict__.pop("_department_ids", None)
    user.__dict__.pop("_reach_ids", None)
