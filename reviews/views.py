from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviews.access import departments_of, is_administrator, is_reviewer
from reviews.models import Round


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each user's starting page: their departments and the rounds they take part in."""
    user = request.user
    rounds = Round.objects.select_related("strategy")
    if not (is_reviewer(user) or is_administrator(user)):
        rounds = rounds.exclude(state=Round.State.PREPARING)
    return render(
        request,
        "reviews/home.html",
        {
            "departments": departments_of(user).order_by("name"),
            "rounds": rounds,
            "is_reviewer": is_reviewer(user),
            "is_administrator": is_administrator(user),
        },
    )
