"""Error pages: under the public prefix they come from the public side's own templates, rendered
without the request (no user, no CSRF token, no cookie), and link back to the public pages."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults

from projects.access import department_names_of, sees_everything


def _public(request: HttpRequest) -> bool:
    return request.path == settings.PUBLIC_PREFIX.rstrip("/") or request.path.startswith(settings.PUBLIC_PREFIX)


def _public_page(status: int, message: str) -> HttpResponse:
    return HttpResponse(render_to_string("reviews/public/error.html", {"status": status, "message": message}),
                        status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _public(request):
        return _public_page(400, "リクエストの内容を読み取れませんでした。")
    # Django's own 400 page is English ("Bad Request (400)"); ours says what to do. The request may be
    # the bad part (too big, too many fields): the page reads nothing of its body.
    return HttpResponse(render_to_string("400.html", {"exception": exception}), status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _public(request):
        return _public_page(403, "このページは表示できません。")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _public(request):
        return _public_page(404, "お探しのページは見つかりませんでした。公表された評価だけを掲載しています。")
    return render(request, "404.html", own_work(request), status=404)


def own_work(request: HttpRequest) -> dict:
    """What the 404 page tells a department's member about their own work: their departments (the
    header's current round gives the link to their list). The same for anything not found, so the
    page never tells another department's entry from a missing one; an old link of the department
    they left in April (projects.staff_import) lands here. Reviewers see every entry: nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or sees_everything(user):
        return {}
    return {"department_member": True, "own_departments": department_names_of(user)}


def server_error(request: HttpRequest) -> HttpResponse:
    if _public(request):
        return _public_page(500, "申し訳ありません。サーバーで問題が起きました。時間をおいてもう一度お試しください。")
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form sent from a page opened before a sign-out, or before a
    sign-in in another tab, is refused for safety; say so in Japanese and how not to lose the text
    (Django's own page is English with DEBUG on, and gives no advice)."""
    if _public(request):
        return _public_page(403, "このページは表示できません。")
    return render(request, "403_csrf.html", status=403)


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    """A button's address opened as a page (a bookmark, the address bar): Django's 405 is empty."""
    if _public(request):
        return _public_page(405, "このアドレスは開けません。")
    return render(request, "405.html", status=405)
