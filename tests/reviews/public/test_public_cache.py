"""A visitor's page is kept whole by each server until something it shows changes
(reviews.public.cache): the second visitor gets the same bytes for one query, and a change made
on this server or committed through another one shows on the next visit."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from reviews.models import Entry, Opinion, PublicStamp, Round
from reviews.public.cache import STAMP_PK
from reviews.results import opinions

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"
OPINIONS = reverse("public:opinions", args=["senryaku-2015", 2017])


def visit(client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def record(reviewer, text: str) -> Opinion:
    return opinions.record_opinion(Round.objects.get(fiscal_year=2017), by=reviewer, subject=Opinion.Subject.PROJECT,
                                   target=Project.objects.get(name=PROJECT), text=text)


def test_the_second_visitor_gets_the_same_page_for_one_query(client, seed):
    project = Project.objects.get(name=PROJECT)
    for url in (reverse("public:index"), reverse("public:round", args=["senryaku-2015", 2017]),
                reverse("public:summary", args=["senryaku-2015", 2017]), OPINIONS,
                reverse("public:project", args=[project.pk]), reverse("public:data")):
        first, rendering = visit(client, url)
        second, serving = visit(client, url)
        assert first.status_code == second.status_code == 200, url
        assert second.content == first.content, url
        assert rendering > 1 and serving == 1, (url, rendering, serving)
        assert second["Cache-Control"] == first["Cache-Control"] and "public" in second["Cache-Control"]
        assert not second.cookies


def test_a_kept_download_keeps_its_type_and_file_name(client, seed):
    url = reverse("public:data-csv", args=["senryaku-2015", 2017])
    first, _ = visit(client, url)
    second, serving = visit(client, url)
    assert serving == 1 and second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "text/csv; charset=utf-8"
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert "senryaku-2015_2017" in second["Content-Disposition"]


def test_an_opinion_recorded_after_a_visit_shows_on_the_next_visit(client, seed, reviewer):
    assert "今回あらたに記録した意見" not in client.get(OPINIONS).content.decode()
    record(reviewer, "今回あらたに記録した意見")
    assert "今回あらたに記録した意見" in client.get(OPINIONS).content.decode()


def test_a_change_committed_through_another_server_shows_once_its_token_is_read(client, seed, reviewer):
    opinion = record(reviewer, "最初の文言")
    assert "最初の文言" in client.get(OPINIONS).content.decode()
    # Another server's change: this process sent no signal, only the database knows.
    Opinion.objects.filter(pk=opinion.pk).update(text="別のサーバーで直した文言")
    assert "最初の文言" in client.get(OPINIONS).content.decode()  # kept: nothing here has told this server
    PublicStamp.objects.filter(pk=STAMP_PK).update(token="another-servers-commit")
    page = client.get(OPINIONS).content.decode()
    assert "別のサーバーで直した文言" in page and "最初の文言" not in page


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_writes_a_new_token_and_a_clerks_save_does_not(client, open_round):
    client.get(OPINIONS)  # the installation's first public page writes the first token
    before = PublicStamp.objects.get(pk=STAMP_PK).token
    entry = Entry.objects.filter(round=open_round).first()
    entry.implementation = "係で書いている途中の文章"
    entry.save()
    assert PublicStamp.objects.get(pk=STAMP_PK).token == before
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            for project in Project.objects.order_by("pk")[:2]:
                project.name += "（改）"
                project.save()
            assert PublicStamp.objects.get(pk=STAMP_PK).token == before  # not before the commit
    assert PublicStamp.objects.get(pk=STAMP_PK).token != before
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "publicstamp" in q["sql"]]
    assert len(writes) == 1  # one token however many rows the transaction wrote


def test_a_page_not_found_is_not_kept(client, seed):
    url = reverse("public:summary", args=["senryaku-2015", 2030])
    assert client.get(url).status_code == 404
    response, queries = visit(client, url)
    assert response.status_code == 404 and queries > 1


def test_each_query_string_is_its_own_page(client, seed):
    url = reverse("public:summary", args=["senryaku-2015", 2017])
    whole = client.get(url).content
    assert client.get(url + "?page=1").status_code == 200
    assert client.get(url).content == whole
    hostile = client.get(url + "?page=<script>")
    assert hostile.status_code in (200, 404) and b"<script>" not in hostile.content


def test_a_file_too_large_to_keep_is_rendered_for_each_visitor(client, seed, monkeypatch):
    monkeypatch.setattr("reviews.public.cache.LARGEST_KEPT", 1000)
    url = reverse("public:data-csv", args=["senryaku-2015", 2017])
    first, _ = visit(client, url)
    second, queries = visit(client, url)
    assert len(first.content) > 1000 and second.content == first.content and queries > 1
