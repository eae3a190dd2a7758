from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from projects.models import must_change_password
from projects.text import strip_unsafe


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


class StripUnsafeCharactersMiddleware:
    """Pages never carry control characters or bidirectional overrides, even from records written
    before input refused them (the append-only history keeps what was written): one place for
    every HTML page, instead of a filter on each field of each template. Escaping stays Django's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and not response.streaming and response.content:
            charset = response.charset or "utf-8"
            text = response.content.decode(charset)
            cleaned = strip_unsafe(text)
            if cleaned != text:
                response.content = cleaned.encode(charset)
        return response
