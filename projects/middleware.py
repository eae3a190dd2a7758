from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from projects.models import must_change_password


class PasswordChangeRequiredMiddleware:
    """A user with an initial password set by an administrator changes it before anything else
    (the city network has no password-reset email, so administrators hand out initial ones)."""

    ALLOWED = ("password_change", "password_change_done", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if must_change_password(request.user):
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(("/static/", "/media/")):
                messages.info(request, "初期パスワードのままです。ご自分のパスワードに変更してください。")
                return redirect("password_change")
        return self.get_response(request)
