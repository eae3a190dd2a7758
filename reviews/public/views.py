"""The public side: published rounds for citizens, with no sign-in and no cookie.

Pages are rendered without the request (render_to_string), so no user, session or CSRF token can
reach them; every query goes through reviews.public.pages (published rounds only). Being the same
for everyone, each is kept whole by the server until something it shows changes (reviews.public.cache),
except the search, whose questions are anyone's.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from projects.models import Kpi
from reviews.kpis.achievement import FORMULA
from reviews.kpis.trend import goal_kpis, trend_chart, trends
from reviews.public import opendata, pages
from reviews.public.cache import kept
from reviews.results.charts import department_page, letter_chart
from reviews.results.story import latest_chapter, story_of
from reviews.results.summary import round_summary
from reviews.search.query import SearchForm
from reviews.search.views import run


def _page(template: str, context: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(render_to_string(f"reviews/public/{template}", context), status=status)


@require_safe
@kept
def index(request: HttpRequest) -> HttpResponse:
    rounds = list(pages.published_rounds())
    strategies: dict[int, tuple] = {}
    for round_ in rounds:
        strategies.setdefault(round_.strategy_id, (round_.strategy, []))[1].append(round_)
    return _page("index.html", {"strategies": list(strategies.values())})


@require_safe
@kept
def round_page(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    kpis = Kpi.objects.filter(strategy_id=round_.strategy_id, level__in=[Kpi.Level.GOAL, Kpi.Level.POLICY])
    published = [t for t in trends(kpis.order_by("level", "order", "pk"), pages.published_rounds(), up_to=year)
                 if t.latest and t.latest.year == year]
    return _page("round.html", {"round": round_, "goals": pages.round_hierarchy(round_), "kpis": published})


@require_safe
@kept(reads=("page",))  # the departments' page (reviews.results.charts.department_page)
def summary(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    result = round_summary(round_, published_only=True)
    return _page("summary.html", {
        "round": round_, "summary": result, "goal_kpis": [t for t in goal_kpis(round_, pages.published_rounds()) if t.points],
        "goal_chart": letter_chart("goal-chart", "基本目標ごとの実施状況", result.goals),
        "policy_chart": letter_chart("policy-chart", "基本施策ごとの実施状況", result.policies),
        **department_page(result, request.GET),
    })


@require_safe
@kept
def opinions(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    return _page("opinions.html", {"round": round_, "opinions": pages.public_opinions(round_)})


@require_safe
@kept
def project(request: HttpRequest, pk: int) -> HttpResponse:
    project_, chapters = story_of(pages.published_entries(), pk)
    kpi_trends = trends(Kpi.objects.filter(project_id=pk).order_by("order", "pk"), pages.published_rounds())
    return _page("project.html", {
        "chapters": chapters, "latest": latest_chapter(project_, chapters), "project": project_,
        "kpis": [(t, trend_chart(t, f"kpi-chart-{t.kpi.pk}")) for t in kpi_trends if t.points],
        "formula": FORMULA,
    })


@require_safe
@kept
def data_columns(request: HttpRequest) -> HttpResponse:
    return _page("data.html", {
        "columns": opendata.OPEN_DATA_COLUMNS, "kpi_columns": opendata.KPI_COLUMNS, "licence": opendata.licence(),
        "rounds": pages.published_rounds(),
        "separator": opendata.DEPARTMENT_SEPARATOR, "licence_note": settings.OPEN_DATA_LICENCE_NOTE,
    })


def _filename(round_, extension: str) -> str:
    return f"{round_.strategy.code}_{round_.fiscal_year}_実施事業評価.{extension}"


@require_safe
@kept
def data_csv(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    response = HttpResponse(opendata.to_csv(opendata.records(round_)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, _filename(round_, "csv"))
    return response


@require_safe
@kept
def data_json(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    # The column page's path, not an address built from the request's Host header (the file is cached).
    body = opendata.to_json(round_, opendata.records(round_), reverse("public:data"))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, _filename(round_, "json"))
    return response


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search among published rounds only, by the names they published (never a new name given
    from a year not yet published)."""
    entries = pages.published_entries()
    form = SearchForm(request.GET or None, entries=entries)
    result = run(form, entries, published_names_only=True)
    return _page("search.html", {"form": form, "result": result}, status=400 if form.is_bound and form.errors else 200)


@require_safe
@kept
def kpi_csv(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    response = HttpResponse(opendata.kpi_csv(opendata.kpi_records(round_)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, _filename(round_, "csv").replace(
        "実施事業評価", "KPI"))
    return response


@require_safe
@kept
def kpi_json(request: HttpRequest, strategy: str, year: int) -> HttpResponse:
    round_ = pages.get_published_round(strategy, year)
    body = opendata.kpi_json(round_, opendata.kpi_records(round_), reverse("public:data"))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, _filename(round_, "json").replace(
        "実施事業評価", "KPI"))
    return response
