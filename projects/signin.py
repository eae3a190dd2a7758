"""Signing in safely: too many wrong passwords lock that login from that address for a while.

django-axes counts the failures (settings: AXES_*). The city's staff sit behind one proxy, so a
lock is always per login *and* address, never per address alone; client_ip and locked_out are
the functions settings name for it. StaffBackend signs in with Django's username and password.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from projects.access import signed_in_user


class StaffBackend(ModelBackend):
    """Django's username and password, with the signed-in user read in one query on each request
    (projects.access.signed_in_user) instead of three."""

    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def client_ip(request: HttpRequest) -> str:
    """The address of the person signing in. Behind the city's reverse proxy (its address listed
    in TRUSTED_PROXIES) that is the last address the proxy appended to X-Forwarded-For; a header
    sent by anyone else is ignored, since a client can write whatever it likes there."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(settings.TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return remote


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Our own Japanese page for a locked login, saying when to try again (Asia/Tokyo)."""
    from axes.models import AccessAttempt

    username = (credentials or {}).get("username") or request.POST.get("username", "")
    last = (AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
            .order_by("-attempt_time").values_list("attempt_time", flat=True).first())
    retry_at = timezone.localtime((last or timezone.now()) + settings.AXES_COOLOFF_TIME)
    return render(request, "registration/locked_out.html", {
        "retry_at": retry_at, "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }, status=429)
