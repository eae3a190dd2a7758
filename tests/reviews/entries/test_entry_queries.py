"""The requests of a review day ask the database a fixed number of questions (issue 15's load
test: the entry page, a draft saved, a submit, an approval and a return). A higher count is a
regression to look at; a lower one, a reason to lower the number here."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Entry

pytestmark = pytest.mark.django_db

TEXTS = {"status": "A", "implementation": "実施した内容", "evaluation": "評価", "future_policy": "継続",
         "confirmed": "on"}


def version_in(page: str, action: str) -> int:
    found = re.search(r'action="/entries/\d+/' + action + r'/".*?name="version" value="(\d+)"', page, re.S)
    assert found, action
    return int(found.group(1))


def counted(request):
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return response, len(queries)


def test_a_review_day_asks_a_fixed_number_of_questions(client, open_round, staff_a, reviewer):
    entry = Entry.objects.filter(round=open_round, project__project_departments__department__name="商工観光課") \
        .order_by("pk").first()
    url = reverse("reviews:entry", args=[entry.pk])
    edit = reverse("reviews:entry-edit", args=[entry.pk])
    client.force_login(staff_a)
    client.get(url)  # the session's first request writes it

    page, clerk_page = counted(lambda: client.get(url))
    assert page.status_code == 200
    saved, save = counted(lambda: client.post(edit, {**TEXTS, "intent": "save",
                                                     "version": version_in(page.content.decode(), "edit")}))
    assert saved.status_code == 302
    page = client.get(url)
    submitted, submit = counted(lambda: client.post(edit, {**TEXTS, "evaluation": "評価2", "intent": "submit",
                                                           "version": version_in(page.content.decode(), "edit")}))
    assert submitted.status_code == 302

    client.force_login(reviewer)
    client.get(url)
    page, reviewer_page = counted(lambda: client.get(url))
    assert page.status_code == 200
    returned, return_ = counted(lambda: client.post(reverse("reviews:entry-return", args=[entry.pk]), {
        "comment": "直してください", "version": version_in(page.content.decode(), "return")}))
    assert returned.status_code == 302

    client.force_login(staff_a)
    page = client.get(url)
    client.post(edit, {**TEXTS, "evaluation": "評価3", "intent": "submit",
                       "version": version_in(page.content.decode(), "edit")})
    client.force_login(reviewer)
    page = client.get(url)
    approved, approve = counted(lambda: client.post(reverse("reviews:entry-approve", args=[entry.pk]), {
        "comment": "", "version": version_in(page.content.decode(), "approve")}))
    assert approved.status_code == 302
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.APPROVED

    assert {"clerk's page": clerk_page, "save": save, "submit": submit, "reviewer's page": reviewer_page,
            "return": return_, "approve": approve} == {
        "clerk's page": 18, "save": 15, "submit": 27, "reviewer's page": 18, "return": 15, "approve": 19}
