"""Results people use: each project's story."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviews.results.story import project_story


@login_required
def story(request: HttpRequest, pk: int) -> HttpResponse:
    project, chapters = project_story(request.user, pk)
    return render(request, "reviews/results/story.html", {
        "project": project, "chapters": chapters, "latest": chapters[-1],
    })
