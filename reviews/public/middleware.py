"""The public side sets no cookie: a visitor's browser keeps nothing from it, and the pages can
be cached and served by a proxy that exposes only the public prefix (README, "The public side")."""

from django.conf import settings
from django.utils.cache import patch_cache_control


class PublicPagesMiddleware:
    """Placed before the session and CSRF middleware, so it sees their cookies and removes them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        prefix = settings.PUBLIC_PREFIX
        if request.path == prefix.rstrip("/") or request.path.startswith(prefix):
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
                response.cookies.pop(name, None)
            # The same page for everyone: nothing in it depends on who asks.
            if response.has_header("Vary"):
                kept = [v for v in (p.strip() for p in response["Vary"].split(",")) if v.lower() != "cookie"]
                if kept:
                    response["Vary"] = ", ".join(kept)
                else:
                    del response["Vary"]
            if response.status_code == 200:
                patch_cache_control(response, public=True, max_age=300)
        return response
