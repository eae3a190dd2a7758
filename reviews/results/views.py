"""Results people use: each project's story, a round's summary, the results page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviews.access import get_round_for, may_see_summary, rounds_visible_to
from reviews.results import workbook
from reviews.results.charts import letter_chart
from reviews.results.story import project_story
from reviews.results.summary import round_summary


@login_required
def story(request: HttpRequest, pk: int) -> HttpResponse:
    project, chapters = project_story(request.user, pk)
    return render(request, "reviews/results/story.html", {
        "project": project, "chapters": chapters, "latest": chapters[-1],
    })


@login_required
def results_home(request: HttpRequest) -> HttpResponse:
    """Every round the user may see, with the results each offers them."""
    rounds = [(round_, may_see_summary(request.user, round_)) for round_ in rounds_visible_to(request.user)]
    return render(request, "reviews/results/home.html", {"rounds": rounds})


def _summary_or_notice(request: HttpRequest, pk: int):
    round_ = get_round_for(request.user, pk)
    if not may_see_summary(request.user, round_):
        return round_, None
    return round_, round_summary(round_)


@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    round_, result = _summary_or_notice(request, pk)
    if result is None:
        return render(request, "reviews/results/summary_later.html", {"round": round_})
    return render(request, "reviews/results/summary.html", {
        "round": round_, "summary": result,
        "goal_chart": letter_chart("goal-chart", "基本目標ごとの実施状況", result.goals),
        "policy_chart": letter_chart("policy-chart", "基本施策ごとの実施状況", result.policies),
        "department_chart": letter_chart("department-chart", "担当課ごとの実施状況", result.departments),
    })


@login_required
def summary_download(request: HttpRequest, pk: int) -> HttpResponse:
    round_, result = _summary_or_notice(request, pk)
    if result is None:
        return render(request, "reviews/results/summary_later.html", {"round": round_})
    return workbook.summary_response(result)
