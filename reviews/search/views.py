"""Search for signed-in users, among the entries they may see (reviews.access)."""

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from projects.access import sees_everything
from reviews.access import entries_visible_to
from reviews.models import Entry
from reviews.search.query import Result, SearchForm, search


def run(form: SearchForm, entries: QuerySet[Entry], **options) -> Result | None:
    """The result for a valid form that asks something; None for an empty or invalid one.
    ``options`` go to ``search`` (the public side's published_names_only)."""
    if not form.is_bound or not form.is_valid():
        return None
    if not any(value for value in form.cleaned_data.values()):
        return None
    return search(entries, **form.cleaned_data, **options)


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    entries = entries_visible_to(request.user)
    elsewhere = "" if sees_everything(request.user) else (
        "「{name}」の評価は、ここでは探せません。ここで探せるのは、担当する課の評価だけです。"
        f"公表された評価は、公開ページの検索（{reverse('public:search')}）で探せます。")
    form = SearchForm(request.GET or None, entries=entries, elsewhere=elsewhere)
    result = run(form, entries)
    return render(request, "reviews/search/search.html", {"form": form, "result": result},
                  status=400 if form.is_bound and form.errors else 200)
