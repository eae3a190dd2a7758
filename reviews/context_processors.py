from django.db.models import Count, Window

from projects.access import is_administrator, is_reviewer
from reviews.models import Notification
from reviews.rounds.lists import current_round

# How many unread notices the lists show above the entries (the header shows how many in all).
UNREAD_SHOWN = 5


def navigation(request) -> dict:
    """What the shared header needs on every page: the current round and unread notices."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = current_round(user)
    # The newest few and how many in all, in one query: a window's count is taken before the limit.
    unread = list(Notification.objects.filter(user=user, read_at__isnull=True)
                  .annotate(unread_total=Window(Count("id")))
                  .order_by("-created_at", "-id")[:UNREAD_SHOWN])
    return {
        "nav_round": current,
        "nav_is_reviewer": is_reviewer(user),
        "nav_is_administrator": is_administrator(user),
        "nav_unread_count": unread[0].unread_total if unread else 0,
        "nav_unread": unread,
    }
