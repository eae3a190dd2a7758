"""Search across the years: any part of a word, half-width and full-width alike, with filters,
among what the user may see (and, on the public side, published rounds only)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Department, Project, Strategy
from reviews.entries import workflow
from reviews.models import Entry, EntrySearch, Round
from reviews.search.query import search
from reviews.search.text import Folded, excerpt, fold, terms_of
from tests.factories import FILLED, make_entry, make_project, make_round

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


def names(result) -> list[str]:
    return [hit.facts.project_name for hit in result.hits]


def test_half_width_kana_and_full_width_letters_fold_to_the_same_text():
    assert fold("ｾﾐﾅｰ") == fold("セミナー") and fold("ﾃﾞｼﾞﾀﾙ") == "デジタル" and fold("ＩＣＴ") == "ict"
    assert terms_of("　セミナー  ｲﾍﾞﾝﾄ ") == ["セミナー", "イベント"]


def test_a_match_is_marked_in_the_original_half_width_text():
    original = "市民向けｾﾐﾅｰとﾃﾞｼﾞﾀﾙ講座を開いた。"
    assert Folded.of(original).find(terms_of("セミナー デジタル")) == [(4, 8), (9, 15)]
    pieces = excerpt(original, terms_of("デジタル"))
    assert [(p.text, p.match) for p in pieces] == [("市民向けｾﾐﾅｰと", False), ("ﾃﾞｼﾞﾀﾙ", True), ("講座を開いた。", False)]


def test_part_of_a_word_finds_the_project_and_two_characters_find_their_projects(seed):
    everything = Entry.objects.all()
    assert PROJECT in names(search(everything, q="誘致事"))
    two = search(everything, q="誘致")
    assert PROJECT in names(two) and all("誘致" in fold(h.facts.project_name + h.facts.description) or h.matches
                                          for h in two.hits)
    assert len(two.hits) == two.total >= 2
    assert search(everything, q="存在しない言葉").total == 0


def test_half_width_kana_typed_finds_full_width_text_and_the_other_way_round(seed, open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, **{**FILLED, "implementation": "起業ｾﾐﾅｰを3回開いた。"})
    result = search(Entry.objects.all(), q="セミナー")
    hit = next(h for h in result.hits if h.entry_id == entry.pk)
    label, pieces = hit.matches[0]
    assert [p.text for p in pieces if p.match] == ["ｾﾐﾅｰ"]
    assert entry.pk in [h.entry_id for h in search(Entry.objects.all(), q="ｾﾐﾅｰ").hits]


def test_the_filters_narrow_by_goal_department_letter_and_fiscal_year(seed):
    everything = Entry.objects.all()
    by_goal = search(everything, goal=3, limit=1000)
    assert by_goal.total == 32 and all(h.facts.goal_number == 3 for h in by_goal.hits)
    by_department = search(everything, department="商工観光課", limit=1000)
    assert by_department.total == 21 and all("商工観光課" in h.facts.departments for h in by_department.hits)
    assert search(everything, status="D", limit=1000).total == 7
    assert search(everything, department="企画課", status="B").total == 3


@pytest.mark.parametrize("written", ["令和元年度", "R1", "H31", "2019", "ｒ１", "平成31年度"])
def test_a_fy2019_round_is_found_by_every_way_of_writing_its_year(client, seed, reviewer, written):
    strategy = Strategy.objects.get()
    round_ = make_round(2019, state=Round.State.PUBLISHED, strategy=strategy, title="令和元年度 実施事業評価")
    project = Project.objects.get(name=PROJECT)
    make_entry(round_, project, status="A", state=Entry.State.APPROVED, implementation="令和元年度の実施内容")
    client.force_login(reviewer)
    response = client.get(reverse("reviews:search"), {"year": written})
    result = response.context["result"]
    assert result.total == 1 and result.hits[0].round_title == "令和元年度 実施事業評価"


def test_a_year_that_cannot_be_read_is_named_in_japanese(client, seed, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:search"), {"year": "来年"})
    assert response.status_code == 400 and "「来年」は年度として読めません。" in response.content.decode()


def test_a_clerk_finds_only_what_they_may_see(client, open_round, staff_b):
    client.force_login(staff_b)
    result = client.get(reverse("reviews:search"), {"q": "誘致"}).context["result"]
    assert PROJECT not in names(result)  # another department's project, in every round
    everyone = search(Entry.objects.all(), q="誘致")
    assert PROJECT in names(everyone)


def test_the_public_search_finds_published_rounds_only_and_links_to_public_pages(client, open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, **{**FILLED, "implementation": "未公表の誘致計画"})
    response = client.get(reverse("public:search"), {"q": "誘致"})
    page = response.content.decode()
    assert response.status_code == 200 and not response.cookies
    assert "未公表の誘致計画" not in page and "平成30年度" not in page
    assert reverse("public:project", args=[entry.project_id]) in page and "/entries/" not in page
    assert "<mark>誘致</mark>" in page


def test_the_search_text_follows_a_rename_for_rounds_in_progress_but_not_for_published_ones(open_round):
    project = Project.objects.get(name=PROJECT)
    project.name = "企業誘致推進事業"
    project.save()
    assert search(Entry.objects.filter(round=open_round), q="推進事業").total >= 1
    assert PROJECT not in names(search(Entry.objects.filter(round=open_round), q="企業等誘致"))
    assert PROJECT in names(search(Entry.objects.filter(round__fiscal_year=2017), q="企業等誘致"))
    department = Department.objects.get(name="商工観光課")
    department.name = "産業振興課"
    department.save()
    assert search(Entry.objects.filter(round=open_round), department="産業振興課").total == 21
    assert search(Entry.objects.filter(round__fiscal_year=2017), department="商工観光課").total == 21


def test_every_entry_keeps_its_search_fields_true_through_the_paths_that_write_it(open_round, staff_a, reviewer):
    from reviews.search.index import refresh

    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    project = make_project(Department.objects.get(name="商工観光課"), name="ｾﾐﾅｰ事業",
                           policy=Project.objects.get(name=PROJECT).policy)
    make_entry(open_round, project)
    stored = list(EntrySearch.objects.order_by("pk").values_list("pk", "text", "departments", "goal"))
    assert len(stored) == Entry.objects.count()  # every entry has its row, whichever path made it
    refresh(Entry.objects.all())
    assert list(EntrySearch.objects.order_by("pk").values_list("pk", "text", "departments", "goal")) == stored


def test_the_search_page_takes_the_same_number_of_queries_whatever_the_number_of_hits(client, open_round, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:search")
    client.get(url, {"q": "誘致事業"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "誘致事業"})
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"q": "事業"})
    assert len(few) == len(many)


def test_a_search_of_three_characters_or_more_uses_the_trigram_index_on_postgresql(seed):
    """CI runs the suite on both databases: PostgreSQL has the index and uses it; SQLite has none."""
    queryset = EntrySearch.objects.filter(text__contains=fold("誘致事業")).order_by()
    indexes = connection.introspection.get_constraints(connection.cursor(), "reviews_entrysearch")
    if connection.vendor != "postgresql":
        assert "reviews_entrysearch_text_trgm" not in indexes and queryset.exists()
        return
    assert "reviews_entrysearch_text_trgm" in indexes
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "reviews_entrysearch_text_trgm" in plan


def test_half_width_seminar_finds_the_seed_projects_that_hold_seminars(seed):
    found = names(search(Entry.objects.all(), q="ｾﾐﾅｰ"))
    assert {"女性就労情報提供・支援事業", "創業支援事業", "雇用対策事業"} <= set(found)


def test_the_goal_filter_offers_each_goal_once(client, open_round, reviewer):
    # It offered one 基本目標 option per entry (the entries' default order defeated DISTINCT).
    client.force_login(reviewer)
    for url in (reverse("reviews:search"), reverse("public:search")):
        page = client.get(url).content.decode()
        offered = re.findall(r'<option value="(\d+)"[^>]*>基本目標\d+</option>', page)
        assert offered and len(offered) == len(set(offered)) <= 4, (url, offered)


def test_a_clerk_typing_another_departments_name_is_told_where_to_look(client, open_round, staff_b):
    """Not 「見つかりません」 for a department that exists: its entries are outside what a clerk may
    search here, and the published ones are on the public search."""
    client.force_login(staff_b)
    response = client.get(reverse("reviews:search"), {"department": "商工観光課"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "ここで探せるのは、担当する課の評価だけです" in text and reverse("public:search") in text
    assert "見つかりません" not in text
    nowhere = client.get(reverse("reviews:search"), {"department": "存在しない課"}).content.decode()
    assert "という部署は見つかりません" in nowhere
