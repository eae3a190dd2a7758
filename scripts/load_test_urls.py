"""The project's urls and one trivial view, for scripts/load_test.py's servers only: the view goes
through the same middleware as every page (session read and saved, user looked up) and does nothing."""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

import iruma_eval.urls

TRIVIAL = "__load_test__/ok/"


def trivial(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response["X-Worker"] = str(os.getpid())  # lets the load test see that it warmed every worker
    return response


urlpatterns = [path(TRIVIAL, trivial), path("", include("iruma_eval.urls"))]
handler400 = iruma_eval.urls.handler400
handler403 = iruma_eval.urls.handler403
handler404 = iruma_eval.urls.handler404
handler500 = iruma_eval.urls.handler500
