"""The public side: published rounds for citizens, with no sign-in, no cookie and nothing private."""

import csv
import io
import json
import re
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Department, Project
from reviews.entries import conversation
from reviews.models import Answer, Entry, Opinion, Round
from reviews.public.cache import forget
from reviews.public.opendata import OPEN_DATA_COLUMNS
from reviews.results import answers, opinions
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"
SECRET_MEMO = "内部メモ・公開しない"
UNPUBLISHED_TEXT = "まだ公表していない平成30年度の文章"
SECRET_MESSAGE = "やりとりの中身・公開しない"
SECRET_ANSWER = "未公表の対応方針"


def fy2017() -> Round:
    return Round.objects.get(fiscal_year=2017)


def crawl(client, start: str = "/public/") -> dict[str, object]:
    """Every page reachable from the public start page by its links, as an anonymous visitor."""
    seen: dict[str, object] = {}
    queue = [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.get("Content-Type", "").startswith("text/html"):
            for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
                target = urljoin(url, href)
                if target.startswith("/public/") and target not in seen:
                    queue.append(target)
    return seen


@pytest.fixture
def private_things(open_round, staff_a, reviewer):
    """A memo on a published entry, a message, an unpublished round's text and an unpublished answer."""
    Entry.objects.filter(round=fy2017()).update(memo=SECRET_MEMO)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    Entry.objects.filter(pk=entry.pk).update(implementation=UNPUBLISHED_TEXT)
    conversation.post_message(entry, by=staff_a, body=SECRET_MESSAGE)
    answer = Answer.objects.filter(round=open_round).first()
    Answer.objects.filter(pk=answer.pk).update(text=SECRET_ANSWER, state=Entry.State.SUBMITTED)
    return {"names": [staff_a.last_name, reviewer.last_name, staff_a.username, reviewer.username]}


def test_every_public_page_shows_the_published_round_and_nothing_private(client, private_things):
    pages = crawl(client)
    assert len(pages) >= 8
    assert all(r.status_code == 200 for r in pages.values()), {u: r.status_code for u, r in pages.items()}
    for url, response in pages.items():
        body = response.content.decode("utf-8-sig")
        for secret in (SECRET_MEMO, UNPUBLISHED_TEXT, SECRET_MESSAGE, SECRET_ANSWER, "平成30年度 実施事業評価"):
            assert secret not in body, (url, secret)
        for name in private_things["names"]:
            assert name not in body, (url, name)
        assert not response.cookies, (url, list(response.cookies))
        if response.get("Content-Type", "").startswith("text/html"):
            levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", body)]
            assert levels[0] == 1 and levels.count(1) == 1, (url, levels)  # one h1, first
            assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)  # no skipped level
            assert '<html lang="ja">' in body and "<th>" not in body  # every header cell says its scope
    round_page = pages[reverse("public:round", args=["senryaku-2015", 2017])].content.decode()
    assert round_page.count('<th scope="row"><a href="/public/projects/') == 68


def test_the_public_side_needs_no_sign_in_and_sets_no_cookie_even_for_a_signed_in_clerk(client, seed, staff_a):
    client.force_login(staff_a)
    response = client.get("/public/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "Cookie" not in response.get("Vary", "") and "public" in response["Cache-Control"]
    assert staff_a.username not in response.content.decode()


def test_an_unpublished_round_is_not_found_on_the_public_side(client, open_round):
    for name in ("public:round", "public:summary", "public:opinions", "public:data-csv", "public:data-json"):
        assert client.get(reverse(name, args=["senryaku-2015", 2018])).status_code == 404
    project = Project.objects.create(policy=Project.objects.get(name=PROJECT).policy, name="新しい事業", order=99,
                                     category=Project.Category.NEW)
    Entry.objects.create(round=open_round, project=project)
    assert client.get(reverse("public:project", args=[project.pk])).status_code == 404


def test_public_pages_read_the_facts_the_round_published_never_the_live_hierarchy(client, seed):
    project = Project.objects.get(name=PROJECT)
    Project.objects.filter(pk=project.pk).update(name="企業誘致推進事業")
    Department.objects.filter(name="商工観光課").update(name="産業振興課")
    page = client.get(reverse("public:round", args=["senryaku-2015", 2017])).content.decode()
    assert PROJECT in page and "企業誘致推進事業" not in page and "産業振興課" not in page
    story = client.get(reverse("public:project", args=[project.pk])).content.decode()
    assert f"<h1>{PROJECT}</h1>" in story


def test_the_csv_opens_in_excel_with_a_header_and_one_line_per_entry(client, seed):
    Entry.objects.filter(round=fy2017(), project__name=PROJECT).update(
        implementation="一行目\n二行目\\記号", evaluation="=HYPERLINK(\"http://evil.example\")")
    response = client.get(reverse("public:data-csv", args=["senryaku-2015", 2017]))
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf") and response["Content-Type"] == "text/csv; charset=utf-8"
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 1 + 68 + 1  # the header, 68 records, the final line end
    assert "\n" not in text.replace("\r\n", "")  # no line break inside a field
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 68 and list(rows[0])[:3] == ["総合戦略", "年度", "年度（和暦）"]
    row = next(r for r in rows if r["事業名"] == PROJECT)
    assert row["年度"] == "2017" and row["年度（和暦）"] == "平成29年度" and row["実施状況"] == "A"
    assert row["実施内容"] == "一行目\\n二行目\\\\記号"
    assert row["評価・課題等"] == "'=HYPERLINK(\"http://evil.example\")"
    shared = next(r for r in rows if r["事業名"] == "多世代居住支援事業")
    assert shared["担当課"] == "都市計画課;企画課"
    assert "メモ" not in "".join(rows[0])


def test_the_json_has_the_same_records_with_the_texts_as_written_and_the_licence(client, seed):
    Entry.objects.filter(round=fy2017(), project__name=PROJECT).update(implementation="一行目\n二行目")
    response = client.get(reverse("public:data-json", args=["senryaku-2015", 2017]))
    document = json.loads(response.content)
    assert len(document["records"]) == 68 and document["licence"]["name"] == "公共データ利用規約（第1.0版）"
    record = next(r for r in document["records"] if r["project"] == PROJECT)
    assert record["implementation"] == "一行目\n二行目" and record["fiscal_year"] == 2017
    assert set(record) == {c.key for c in OPEN_DATA_COLUMNS}
    assert "memo" not in json.dumps(document)


def test_the_column_page_documents_every_column_the_licence_and_the_escapes(client, seed, settings):
    settings.OPEN_DATA_LICENCE_NAME = "クリエイティブ・コモンズ 表示 4.0"
    page = client.get(reverse("public:data")).content.decode()
    for name in ("総合戦略", "年度（和暦）", "基本目標番号", "担当課", "実施状況", "継続/新規", "今後の方針"):
        assert f'<th scope="row">{name}</th>' in page
    assert "クリエイティブ・コモンズ 表示 4.0" in page and "「\\n」" in page and "先頭に「'」" in page
    assert reverse("public:data-csv", args=["senryaku-2015", 2017]) in page


def publish_next_round(open_round, reviewer, reviewer2, staff_a) -> Round:
    """FY2018 published: its entries approved and, for 商工観光課, its answers through the workflow
    (the other departments' as data)."""
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, **FILLED)
    for answer in Answer.objects.filter(round=open_round).exclude(state=Entry.State.APPROVED):
        if answer.department.name == "商工観光課":
            answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="商工観光課の対応方針")
            answers.approve_answer(answer, by=reviewer2, version=answer.version)
        else:
            Answer.objects.filter(pk=answer.pk).update(text=f"{answer.department.name}の対応方針",
                                                       state=Entry.State.APPROVED)
    return life.change_state(open_round, "publish", by=reviewer)


def test_answers_appear_once_the_round_holding_them_is_published(client, open_round, reviewer, reviewer2, staff_a):
    url = reverse("public:opinions", args=["senryaku-2015", 2017])
    page = client.get(url).content.decode()
    assert "【デモ用の意見】" in page and "対応方針は、次の評価の公表時に掲載します" in page
    for answer in Answer.objects.filter(round=open_round):
        Answer.objects.filter(pk=answer.pk).update(text=f"{answer.department.name}の対応方針",
                                                   state=Entry.State.APPROVED)
    assert "商工観光課の対応方針" not in client.get(url).content.decode()  # approved, but not yet published
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    assert "商工観光課の対応方針" in client.get(url).content.decode()


def queries_for(client, url: str) -> int:
    """The queries of rendering the page (not of serving it kept: reviews.public.cache)."""
    client.get(url)
    forget()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_public_pages_take_the_same_number_of_queries_whatever_the_number_of_rounds(
    client, open_round, reviewer, reviewer2, staff_a
):
    project = Project.objects.get(name=PROJECT)
    urls = [reverse("public:index"), reverse("public:data"), reverse("public:project", args=[project.pk]),
            reverse("public:search") + "?q=誘致",
            reverse("public:round", args=["senryaku-2015", 2017]),
            reverse("public:summary", args=["senryaku-2015", 2017]),
            reverse("public:opinions", args=["senryaku-2015", 2017])]
    before = [queries_for(client, url) for url in urls]
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    assert [queries_for(client, url) for url in urls] == before
    # The change since FY2017 costs nothing more: both published rounds' counts are kept once worked out.
    assert queries_for(client, reverse("public:summary", args=["senryaku-2015", 2018])) == before[5]


def test_hostile_text_in_a_published_entry_and_an_opinion_is_inert_on_the_public_pages(client, seed, reviewer):
    Entry.objects.filter(round=fy2017(), project__name=PROJECT).update(evaluation='<script>alert("x")</script>')
    opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.PROJECT,
                            target=Project.objects.get(name=PROJECT), text="<img src=x onerror=alert(1)>")
    project = Project.objects.get(name=PROJECT)
    story = client.get(reverse("public:project", args=[project.pk])).content.decode()
    assert "<script>alert" not in story and "&lt;script&gt;" in story
    page = client.get(reverse("public:opinions", args=["senryaku-2015", 2017])).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_missing_public_page_is_the_public_sides_own_and_knows_no_one(client, open_round, staff_a):
    client.force_login(staff_a)
    for url in ("/public/senryaku-2015/2018/", "/public/nothing-here/", "/public/projects/99999999999999999999/",
                "/public/senryaku-2015/02017/"):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 404, url
        assert "評価結果の一覧に戻る" in page and staff_a.username not in page and "csrfmiddlewaretoken" not in page
        assert not response.cookies


def test_a_server_error_under_the_public_prefix_is_the_public_sides_page():
    from django.test import RequestFactory

    from iruma_eval.errors import server_error

    response = server_error(RequestFactory().get("/public/senryaku-2015/2017/"))
    assert response.status_code == 500 and "評価結果の一覧に戻る" in response.content.decode()


def test_a_huge_project_number_is_simply_not_found(client, seed, staff_a):
    assert client.get("/public/projects/9223372036854775808/").status_code == 404
    client.force_login(staff_a)
    assert client.get("/projects/99999999999999999999/story/").status_code == 404


def test_head_requests_and_the_prefix_without_its_slash_set_no_cookie(client, seed, staff_a):
    assert client.head("/public/").status_code == 200
    client.force_login(staff_a)
    response = client.get("/public")
    assert response.status_code == 301 and not response.cookies


def test_the_opinions_page_names_departments_as_they_were_when_addressed_and_published(
    client, open_round, reviewer, reviewer2, staff_a
):
    url = reverse("public:opinions", args=["senryaku-2015", 2017])
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    Department.objects.filter(name="商工観光課").update(name="産業振興課")
    page = client.get(url).content.decode()
    assert "商工観光課" in page and "産業振興課" not in page


def test_the_public_search_offers_only_the_published_goals_and_departments(client, open_round):
    from projects.models import Goal, Strategy

    Goal.objects.create(strategy=Strategy.objects.get(), number=9, title="まだ公表していない基本目標")
    Department.objects.create(name="新設課")
    Department.objects.filter(name="商工観光課").update(name="産業振興課")
    page = client.get(reverse("public:search")).content.decode()
    assert "基本目標9" not in page and "新設課" not in page and "産業振興課" not in page
    response = client.get(reverse("public:search"), {"department": "商工観光課"})  # the published name
    assert response.status_code == 200 and "検索結果（21件）" in response.content.decode()


def test_every_help_and_error_a_field_points_to_exists(client, seed, reviewer):
    client.force_login(reviewer)
    pages = [client.get(reverse("reviews:search"), {"year": "来年"}),
             client.get(reverse("public:search"), {"year": "来年", "q": "x" * 300}),
             client.post(reverse("reviews:round-opinions", args=[fy2017().pk]), {"subject": "policy"}),
             client.get(reverse("reviews:round-packet", args=[fy2017().pk]), {"day": "1800-01-01"})]
    for response in pages:
        page = response.content.decode()
        refs = [i for ref in re.findall(r'aria-describedby="([^"]+)"', page) for i in ref.split()]
        assert refs and all(f'id="{i}"' in page for i in refs), [i for i in refs if f'id="{i}"' not in page]


def test_no_kind_of_line_break_survives_inside_a_csv_field(client, seed):
    Entry.objects.filter(round=fy2017(), project__name=PROJECT).update(
        implementation="一\u2028二\u2029三\x85四", evaluation="五\r六")
    text = client.get(reverse("public:data-csv", args=["senryaku-2015", 2017])).content.decode("utf-8-sig")
    assert len(text.splitlines()) == 69
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["事業名"] == PROJECT)
    assert row["実施内容"] == "一\\n二\\n三\\n四" and row["評価・課題等"] == "五\\n六"
