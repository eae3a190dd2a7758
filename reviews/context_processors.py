from projects.access import is_administrator, is_reviewer
from reviews.models import Notification
from reviews.rounds.lists import current_round


def navigation(request) -> dict:
    """What the shared header needs on every page: the current round and unread notices."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = current_round(user)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return {
        "nav_round": current,
        "nav_is_reviewer": is_reviewer(user),
        "nav_is_administrator": is_administrator(user),
        "nav_unread_count": unread.count(),
        "nav_unread": unread.order_by("-created_at")[:5],
    }
