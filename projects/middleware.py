from csp.middleware import CSPMiddleware, PolicyParts
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


class MethodNotAllowedPageMiddleware:
    """Django's require_POST answers a GET with an empty 405: give it a page in Japanese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            from iruma_eval.errors import method_not_allowed

            page = method_not_allowed(request)
            page["Allow"] = response.get("Allow", "")
            return page
        return response


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy from settings, widened on /admin/ only for exactly what
    django-import-export's export page needs (Django's own admin needs nothing more): its template
    carries one inline event handler (the "Select all" box: onchange="onSelectToggleChange(event)")
    and two style attributes ("padding: 0;" and "font-weight: bold;"), and simple-history's history
    page one more ("border-top: 0"). Each is allowed by its hash
    alone ('unsafe-hashes'), never inline script or style at large. The browser tests open the admin
    pages and fail on any violation, so a library upgrade that needs more is noticed."""

    ADMIN_PREFIX = "/admin/"
    ADMIN_UPDATE = {
        "script-src": ["'unsafe-hashes'", "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
        "style-src": ["'unsafe-hashes'", "'sha256-mHgUAqxc8GPXM/QhzkHrHujcrQTU9fd6ZjWz+icxKcA='",
                      "'sha256-+YWRMZ88jMyO7jVlBA52tZADiPobPIUA8LAWee68Fvs='",
                      # simple-history's history page: style="border-top: 0"
                      "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
    }

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(self.ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), **self.ADMIN_UPDATE}
        return parts
