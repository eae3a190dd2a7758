"""Who a user is in the evaluation: the one place that decides roles and department reach.

Later views, downloads and the admin ask this module; nothing else looks at groups or
memberships directly.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from projects.models import Department

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


def departments_of(user: UserLike) -> QuerySet[Department]:
    """The departments whose projects the user works on: their own and their sub-units."""
    if not (user.is_authenticated and user.is_active):
        return Department.objects.none()
    own = Department.objects.filter(memberships__user=user)
    return Department.objects.filter(pk__in=own.values("pk")) | Department.objects.filter(
        parent__in=own.values("pk")
    )
