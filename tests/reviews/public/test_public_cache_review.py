"""The public pages each server keeps (reviews.public.cache), tried as a citizen, a clerk who is
signed in, an attacker with made-up addresses and the city's staff changing what the pages show
through their own screens: nothing of one visitor reaches another, nothing that failed is kept,
and every change shows on the next visit. And the progress table, now written in Python, with a
department named to break it."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Department, Kpi, Project, RatingScale, Strategy
from reviews.changes.departments import rename_department
from reviews.changes.projects import rename_project
from reviews.kpis.amendments import record_amendment
from reviews.models import Entry, KpiActual, Opinion, PublicStamp, Round
from reviews.public.cache import CACHE_ALIAS, STAMP_PK, forget
from reviews.results import opinions
from reviews.rounds import lists
from tests.factories import make_department
from tests.reviews.public.test_public import publish_next_round

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"
FY2017 = ("senryaku-2015", 2017)
FY2018 = ("senryaku-2015", 2018)
HOSTILE = "<script>alert('課')</script>&\"課"


def kept_urls(year=FY2017) -> list[str]:
    """Every page and file the public side keeps, for one published round."""
    project = Project.objects.get(name=PROJECT)
    return [reverse("public:index"), reverse("public:data"), reverse("public:project", args=[project.pk]),
            *(reverse(f"public:{name}", args=year)
              for name in ("round", "summary", "opinions", "data-csv", "data-json", "kpi-csv", "kpi-json"))]


def visit(client, url: str, method: str = "get", **extra):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **extra)
    return response, len(queries)


def as_first_visitor(url: str):
    """What an anonymous citizen is shown when nothing is kept: the page rendered for them."""
    forget()
    return Client().get(url)


def kept_pages() -> int:
    return len(caches[CACHE_ALIAS]._cache)


def opinions_page(client, year=FY2017) -> str:
    return client.get(reverse("public:opinions", args=year)).content.decode()


# Nothing of one visitor reaches another --------------------------------------------------------------

def test_a_signed_in_clerk_visiting_first_leaves_nothing_of_theirs_for_the_citizen_after_them(client, seed, staff_a):
    clerk = Client()
    clerk.force_login(staff_a)
    clerk.cookies["csrftoken"] = "a-clerks-csrf-token-value-000000"  # not even a well-formed one
    clerk.cookies["theme"] = "dark"
    for url in kept_urls():
        first = clerk.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_X_FORWARDED_HOST="evil.example")
        assert first.status_code == 200 and not first.cookies, url
    citizens = {}
    for url in kept_urls():
        response, queries = visit(client, url)
        assert queries == 1, url  # the clerk's page was kept, and is what the citizen gets
        citizens[url] = response
    for url, response in citizens.items():
        body = response.content.decode("utf-8-sig")
        for trace in ("staff_a", "csrfmiddlewaretoken", "a-clerks-csrf-token", "ログアウト", "theme", "evil"):
            assert trace not in body, (url, trace)
        assert not response.cookies and "Cookie" not in response.get("Vary", ""), url
        fresh = as_first_visitor(url)
        assert response.content == fresh.content, url
        assert dict(response.headers) == dict(fresh.headers), url  # not one header more, less or other


def test_a_citizen_visiting_first_gives_a_signed_in_reviewer_the_page_and_no_cookie(client, seed, reviewer):
    for url in kept_urls():
        client.get(url)
    signed_in = Client()
    signed_in.force_login(reviewer)
    for url in kept_urls():
        response, queries = visit(signed_in, url)
        assert response.status_code == 200 and queries <= 3, (url, queries)  # the session and user, then the page
        assert not response.cookies and "public" in response["Cache-Control"], url
        assert "reviewer" not in response.content.decode("utf-8-sig"), url


def test_a_head_request_keeps_the_whole_page_for_the_next_get_and_is_answered_kept(client, seed):
    url = reverse("public:round", args=FY2017)
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    page, queries = visit(client, url)
    assert queries == 1 and len(page.content) > 10_000  # the whole page, kept by the HEAD
    head_again, queries = visit(client, url, method="head")
    assert queries == 1 and head_again.status_code == 200 and head_again.content == b""
    assert head_again["Content-Length"] == page["Content-Length"] == str(len(page.content))
    assert head_again["Content-Type"] == "text/html; charset=utf-8"
    assert page.content == as_first_visitor(url).content


# Nothing that failed, moved or was refused is kept -------------------------------------------------

def test_a_round_not_found_before_it_is_published_is_found_right_after(client, open_round, reviewer, reviewer2,
                                                                         staff_a):
    url = reverse("public:round", args=FY2018)
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert kept_pages() == 0
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    response = client.get(url)
    assert response.status_code == 200 and "平成30年度 実施事業評価" in response.content.decode()


def test_a_refused_a_redirected_and_a_failed_request_are_not_kept(seed, monkeypatch):
    client = Client(raise_request_exception=False)
    url = reverse("public:opinions", args=FY2017)
    assert client.post(url, {"x": "1"}).status_code in (403, 405)
    assert client.get(url.rstrip("/")).status_code == 301
    search = reverse("public:search")
    assert client.get(search, {"year": "来年"}).status_code == 400
    assert client.get(search, {"q": "誘致"}).status_code == 200  # anyone's question: never kept
    assert kept_pages() == 0

    def broken(round_):
        raise RuntimeError("the database went away mid-page")

    monkeypatch.setattr("reviews.public.pages.public_opinions", broken)
    assert client.get(url).status_code == 500
    assert kept_pages() == 0
    monkeypatch.undo()
    response, queries = visit(client, url)
    assert response.status_code == 200 and queries > 1 and "<h1>推進会議の意見と対応方針" in response.content.decode()
    assert kept_pages() == 1


# Made-up addresses -------------------------------------------------------------------------------

ODD_QUERIES = ["x=" + "長" * 4000, "q=<script>alert(1)</script>", "%E9%A0%81=%EF%BC%91", "a=%00&b=%ff%fe",
               "page=<script>", "page=1&page=2", "utm_source=" + "a" * 2000, "=&&=", "page=-1", "page=99999999999"]


def test_odd_and_hostile_query_strings_are_answered_without_error_or_script(client, seed):
    for url in kept_urls():
        plain = client.get(url).content
        for query in ODD_QUERIES:
            response = client.get(f"{url}?{query}")
            assert response.status_code == 200, (url, query)
            assert b"<script>alert" not in response.content, (url, query)
            if "summary" not in url:
                assert response.content == plain, (url, query)  # the query means nothing to the page


def test_made_up_query_strings_cannot_fill_a_servers_memory_with_copies_of_a_file(client, seed):
    url = reverse("public:data-json", args=FY2017)
    first = client.get(url).content
    for n in range(60):
        response, queries = visit(client, url, data={"n": n})
        assert response.content == first and queries == 1
    assert kept_pages() == 1
    for url in kept_urls():
        for n in range(5):
            client.get(url, {"cachebuster": n, "page": n})
    assert kept_pages() <= len(kept_urls()) + 5  # each page once, and the summary's departments' pages


def test_the_summary_keeps_each_departments_page_but_never_another_visitors_parameters(client, seed, monkeypatch):
    monkeypatch.setattr("reviews.results.charts.paginate",
                        lambda items, params: lists.paginate(items, params, per_page=5))
    url = reverse("public:summary", args=FY2017)
    one, two = client.get(url).content.decode(), client.get(url, {"page": 2}).content.decode()
    assert '<span aria-current="page">1</span>' in one and '<span aria-current="page">2</span>' in two
    campaign = client.get(url, {"page": 2, "utm_campaign": "<b>x</b>"}).content.decode()
    assert "utm_campaign=%3Cb%3Ex%3C%2Fb%3E&amp;page=3" in campaign and "<b>x</b>" not in campaign
    response, queries = visit(client, url, data={"page": 2})
    assert queries == 1 and response.content.decode() == two and "utm_campaign" not in two
    assert client.get(url, {"page": 3}).content.decode() != two


# Every change shows on the next visit ------------------------------------------------------------

def test_publishing_a_round_shows_it_on_every_page_visited_before(client, open_round, reviewer, reviewer2, staff_a):
    project = Project.objects.get(name=PROJECT)
    index, data, story = reverse("public:index"), reverse("public:data"), reverse("public:project", args=[project.pk])
    before = {url: client.get(url).content.decode() for url in (index, data, story)}
    assert "平成30年度 実施事業評価" not in before[index] + before[story]
    assert reverse("public:data-csv", args=FY2018) not in before[data]
    assert "商工観光課の対応方針" not in opinions_page(client)
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    assert reverse("public:round", args=FY2018) in client.get(index).content.decode()
    assert reverse("public:data-csv", args=FY2018) in client.get(data).content.decode()
    assert "平成30年度 実施事業評価" in client.get(story).content.decode()
    assert "商工観光課の対応方針" in opinions_page(client)


def test_an_opinion_recorded_edited_then_deleted_shows_as_it_is_at_each_visit(client, seed, reviewer):
    project = Project.objects.get(name=PROJECT)
    opinion = opinions.record_opinion(Round.objects.get(fiscal_year=2017), by=reviewer,
                                      subject=Opinion.Subject.PROJECT, target=project, text="最初に記録した意見")
    assert "最初に記録した意見" in opinions_page(client)
    opinions.edit_opinion(opinion, by=reviewer, text="委員会で直した意見")
    page = opinions_page(client)
    assert "委員会で直した意見" in page and "最初に記録した意見" not in page
    opinions.delete_opinion(Opinion.objects.get(pk=opinion.pk), by=reviewer)
    assert "委員会で直した意見" not in opinions_page(client)


@pytest.fixture
def kpi_published(open_round, reviewer, reviewer2, staff_a):
    """FY2018 published with a KPI of 企業等誘致事業: 4 of 10 (40%: 達成度 △ by the default scale)."""
    project = Project.objects.get(name=PROJECT)
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT, project=project,
                             name="誘致件数", unit="件", direction=Kpi.Direction.HIGHER,
                             baseline_value=Decimal(0), baseline_year=2017, target_value=Decimal(10),
                             target_year=2020, department=Department.objects.get(name="商工観光課"))
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=Decimal(4))
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    return KpiActual.objects.get(kpi=kpi)


def test_a_kpi_figure_confirmed_after_publication_and_the_admins_rating_scale_show_at_once(
    client, kpi_published, staff_a, admin_user
):
    story = reverse("public:project", args=[kpi_published.kpi.project_id])
    page = client.get(story).content.decode()
    assert "<td>4件</td>" in page and "達成度 △" in page and "公表後に確定" not in page
    record_amendment(kpi_published, by=staff_a, confirmed_on=date(2019, 7, 10), value=Decimal(5), comment="確定")
    assert "公表後に確定" in client.get(story).content.decode()

    admin = Client()
    admin.force_login(admin_user)
    added = admin.post(reverse("admin:projects_ratingscale_add"), {
        "strategy": Strategy.objects.get().pk, "name": "到達度", "symbols": "Ⓐ,Ⓑ,Ⓒ", "thresholds": "100,30"})
    assert added.status_code == 302
    assert "到達度 Ⓑ" in client.get(story).content.decode()
    deleted = admin.post(reverse("admin:projects_ratingscale_delete", args=[RatingScale.objects.get().pk]),
                         {"post": "yes"})
    assert deleted.status_code == 302 and not RatingScale.objects.exists()
    page = client.get(story).content.decode()
    assert "達成度 △" in page and "到達度" not in page


def test_a_strategy_code_changed_in_the_admin_moves_every_link_at_once(client, seed, admin_user):
    index, round_page = reverse("public:index"), reverse("public:round", args=FY2017)
    assert round_page in client.get(index).content.decode()
    assert client.get(round_page).status_code == 200
    strategy = Strategy.objects.get()
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(reverse("admin:projects_strategy_change", args=[strategy.pk]), {
        "name": strategy.name, "first_year": "2015", "last_year": "2019", "code": "dai1ki"})
    assert response.status_code == 302
    moved = reverse("public:round", args=["dai1ki", 2017])
    page = client.get(index).content.decode()
    assert moved in page and round_page not in page
    assert client.get(round_page).status_code == 404
    assert reverse("public:data-csv", args=["dai1ki", 2017]) in client.get(reverse("public:data")).content.decode()


def test_a_project_renamed_through_the_changes_screen_shows_its_new_name_once_published(
    client, open_round, reviewer, reviewer2, staff_a, admin_user
):
    project = Project.objects.get(name=PROJECT)
    story = reverse("public:project", args=[project.pk])
    assert f"<h1>{PROJECT}</h1>" in client.get(story).content.decode()
    rename_project(project, name="企業誘致推進事業", year=2018, by=admin_user, reason="事業の見直し")
    assert f"<h1>{PROJECT}</h1>" in client.get(story).content.decode()  # FY2017 published the old name
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    page = client.get(story).content.decode()
    assert "<h1>企業誘致推進事業</h1>" in page and f"このときの事業名: {PROJECT}" in page


# The progress table with a department named to break it ---------------------------------------------

def progress_rows(client, round_: Round) -> list[str]:
    body = client.get(reverse("reviews:progress", args=[round_.pk])).content.decode()
    assert "<script>alert" not in body
    return re.findall(r'<tr>\s*<th scope="row">(.*?)</tr>', body, re.S)


def test_a_department_renamed_to_markup_is_plain_text_in_every_rounds_progress(
    client, open_round, reviewer, reviewer2, staff_a, admin_user
):
    department = Department.objects.get(name="商工観光課")
    rename_department(department, name=HOSTILE, year=2018, by=admin_user, reason="組織改正")
    client.force_login(reviewer)
    escaped = "&lt;script&gt;alert(&#x27;課&#x27;)&lt;/script&gt;&amp;&quot;課"
    round_url = reverse("reviews:round", args=[open_round.pk])
    row = next(r for r in progress_rows(client, open_round) if escaped in r)
    assert f'<a href="{round_url}?department={department.pk}">{escaped}</a>' in row
    assert re.search(r"<td>21</td><td>0</td><td>0</td><td>0 / 21</td>", row), row  # its 21 drafts
    published = Round.objects.get(fiscal_year=2017)
    assert any("商工観光課" in r for r in progress_rows(client, published))  # as FY2017 published it
    assert not any("課&#x27;" in r for r in progress_rows(client, published))

    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    row = next(r for r in progress_rows(client, Round.objects.get(pk=open_round.pk)) if escaped in r)
    assert f"?department={department.pk}\">{escaped}</a>" in row and "<td>0 / 21</td>" not in row


def test_an_open_rounds_progress_counts_every_entry_without_reading_captured_facts(client, open_round, reviewer):
    Entry.objects.filter(round=open_round, project__name=PROJECT).update(state=Entry.State.SUBMITTED)
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        rows = progress_rows(client, open_round)
    assert not [q["sql"] for q in queries.captured_queries if "published_facts" in q["sql"]]
    shoko = next(r for r in rows if "商工観光課" in r)
    assert "<td>20</td><td>1</td><td>0</td><td>0 / 21</td>" in shoko


# The token written once per committed change, never for one rolled back --------------------------

def stamp_writes(queries) -> int:
    return sum(1 for q in queries.captured_queries if "publicstamp" in q["sql"] and q["sql"].startswith("UPDATE"))


@pytest.mark.django_db(transaction=True)
def test_the_token_moves_once_for_each_committed_change_and_never_for_one_rolled_back(client):
    client.get(reverse("public:index"))  # the installation's first public page writes the first token

    def token() -> str:
        return PublicStamp.objects.get(pk=STAMP_PK).token

    class Undone(Exception):
        pass

    before = token()
    make_department("総務課")  # no transaction: written at once
    assert token() != before

    before = token()
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(Undone), transaction.atomic():
            make_department("財政課")
            raise Undone
    assert token() == before and stamp_writes(queries) == 0 and not Department.objects.filter(name="財政課").exists()

    # A savepoint rolled back before the change that stays: the change still writes its token.
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            with pytest.raises(Undone), transaction.atomic():
                make_department("税務課")
                raise Undone
            make_department("市民課")
    assert token() != before and stamp_writes(queries) == 1
    # The change first, then a savepoint rolled back: one token, not lost with the savepoint.
    before = token()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            make_department("保険年金課")
            with transaction.atomic():
                make_department("福祉課")
                with pytest.raises(Undone), transaction.atomic():
                    make_department("障害者支援課")
                    raise Undone
            assert token() == before
    assert token() != before and stamp_writes(queries) == 1
    # Only a savepoint's change, rolled back, in a transaction that commits: no token.
    before = token()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            with pytest.raises(Undone), transaction.atomic():
                make_department("こども支援課")
                raise Undone
    assert token() == before and stamp_writes(queries) == 0
