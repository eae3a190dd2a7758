"""A round's summary: A/B/C/D by goal, policy and department, the change since the previous
round, sentences from the counts, SVG charts with their tables, and the xlsx download."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.models import Department
from reviews.entries import workflow
from reviews.models import Entry, Round
from reviews.results.summary import forget_kept, percent, round_summary
from reviews.rounds import life
from tests.factories import FILLED, make_entry, make_project

pytestmark = pytest.mark.django_db

FY2017_GOALS = {1: (11, 3, 1, 3), 2: (2, 1, 2, 1), 3: (23, 4, 2, 3), 4: (8, 1, 3, 0)}


def letters(counts) -> tuple[int, int, int, int]:
    return (counts.A, counts.B, counts.C, counts.D)


def fy2017() -> Round:
    return Round.objects.get(fiscal_year=2017)


def test_the_fy2017_summary_gives_the_published_counts_by_goal_and_in_all(seed):
    summary = round_summary(fy2017())
    assert {row.key[0]: letters(row.counts) for row in summary.goals} == FY2017_GOALS
    assert letters(summary.total) == (44, 9, 8, 7) and summary.total.total == 68
    assert not summary.provisional and summary.change is None


def test_shared_projects_count_under_each_of_their_departments(seed, seed_data):
    expected: dict[str, Counter] = {}
    for goal in seed_data["goals"]:
        for policy in goal["policies"]:
            for project in policy["projects"]:
                for name in project["departments"]:
                    expected.setdefault(name, Counter())[project["status"]] += 1
    summary = round_summary(fy2017())
    got = {row.label: letters(row.counts) for row in summary.departments}
    assert got == {name: tuple(c[letter] for letter in "ABCD") for name, c in expected.items()}
    assert summary.shared_projects == 2  # 多世代居住支援事業, 池袋駅デジタルサイネージ
    assert summary.department_count_total == 70 and summary.total.total == 68


def test_policies_add_up_to_their_goal(seed):
    summary = round_summary(fy2017())
    by_goal: dict[int, Counter] = {}
    for row in summary.policies:
        by_goal.setdefault(row.key[0], Counter()).update(dict(zip("ABCD", letters(row.counts), strict=True)))
    assert {n: tuple(c[x] for x in "ABCD") for n, c in by_goal.items()} == FY2017_GOALS
    assert len(summary.policies) == 10


def test_the_sentences_read_the_same_numbers(seed):
    sentences = round_summary(fy2017()).sentences
    assert "全体では68事業のうち、Aが44事業（65%）、Bが9事業（13%）、Cが8事業（12%）、Dが7事業（10%）でした。" in sentences
    assert "基本目標1では18事業のうち11事業（61%）がAでした。" in sentences
    assert "基本目標2では6事業のうち2事業（33%）がAでした。" in sentences
    assert "基本目標3では32事業のうち23事業（72%）がAでした。" in sentences
    assert "基本目標4では12事業のうち8事業（67%）がAでした。" in sentences


def test_shares_are_rounded_half_up_as_by_hand():
    assert (percent(11, 18), percent(1, 8), percent(0, 5), percent(3, 0)) == (61, 13, 0, 0)


def approve_with(entry: Entry, status: str, *, clerk, reviewer) -> None:
    workflow.submit(entry, by=clerk, version=entry.version, confirmed=True, texts={**FILLED, "status": status})
    entry.refresh_from_db()
    workflow.approve(entry, by=reviewer, version=entry.version)


def test_a_round_in_progress_counts_submitted_and_approved_entries_as_provisional(
    open_round, staff_a, reviewer
):
    ours = Entry.objects.filter(round=open_round, project__departments__name="商工観光課").order_by("pk")
    first, second, third = ours[0], ours[1], ours[2]
    approve_with(first, "A", clerk=staff_a, reviewer=reviewer)
    workflow.submit(second, by=staff_a, version=second.version, confirmed=True, texts={**FILLED, "status": "D"})
    workflow.save_draft(third, by=staff_a, version=third.version, **{**FILLED, "status": "B"})  # a draft: not counted
    summary = round_summary(open_round)
    assert summary.provisional and summary.total.total == 2 and letters(summary.total) == (1, 0, 0, 1)
    assert summary.entry_count == 68
    assert summary.sentences[0] == "この集計は暫定です。提出済み・承認済みの評価2件を数えています（この評価回の評価は全68件です）。"


def test_the_change_since_the_previous_round_names_projects_that_rose_fell_came_and_went(
    seed, staff_a, reviewer
):
    retired = Entry.objects.get(round=fy2017(), project__name="キッズアカデミー（子供向け経済・産業講座）").project
    next_round = life.create_round(fy2017(), by=reviewer, fiscal_year=2018, title="平成30年度 実施事業評価",
                                   implementation_heading="平成30年度の実施内容", legend="", deadline=timezone.localdate() + timedelta(days=30),
                                   retire=[retired])
    life.change_state(next_round, "open", by=reviewer)
    fell = Entry.objects.get(round=next_round, project__name="企業等誘致事業")  # A in FY2017
    previous = {e.project_id: e.status for e in Entry.objects.filter(round__fiscal_year=2017)}
    ours = Entry.objects.filter(round=next_round, project__departments__name="商工観光課", project__policy__goal__number=1)
    rose = next(e for e in ours if previous[e.project_id] == "D")
    approve_with(fell, "C", clerk=staff_a, reviewer=reviewer)
    approve_with(rose, "A", clerk=staff_a, reviewer=reviewer)
    newcomer = make_project(Department.objects.get(name="商工観光課"), name="新しい起業支援事業",
                            policy=fell.project.policy)
    make_entry(next_round, newcomer)

    summary = round_summary(next_round)
    change = summary.change
    assert change.previous.fiscal_year == 2017
    assert [(m.project_name, m.before, m.after) for m in change.fell] == [("企業等誘致事業", "A", "C")]
    assert [(m.project_name, m.before, m.after) for m in change.rose] == [(rose.project.name, "D", "A")]
    assert change.new == ["新しい起業支援事業"] and change.retired == ["キッズアカデミー（子供向け経済・産業講座）"]
    assert "前回（平成29年度）と比べて、実施状況が上がった事業は1事業、下がった事業は1事業、変わらない事業は0事業でした。" in summary.sentences
    assert "今回から評価の対象になった事業は1事業、前回は対象で今回は対象でない事業は1事業です。" in summary.sentences
    # Goal 1 had 11 A in FY2017; so far one of its two counted FY2018 entries is A. A count of part of
    # the round is not compared with the whole of the last one ("10 fewer"): its share is.
    goal_1 = next(s for s in summary.sentences if s.startswith("基本目標1では"))
    assert goal_1.startswith("基本目標1では2事業のうち1事業（50%）がAでした（前回は") and "11事業（" in goal_1
    assert "減りました" not in goal_1


def summary_url(round_: Round) -> str:
    return reverse("reviews:round-summary", args=[round_.pk])


def test_the_summary_page_draws_each_chart_with_letters_and_numbers_and_a_table_beside_it(client, seed, staff_a):
    client.force_login(staff_a)
    page = client.get(summary_url(fy2017())).content.decode()
    assert page.count('<svg class="letter-chart" role="img"') == 3
    # Goal 1's bar: each part that is wide enough carries its letter and number, and the bar ends
    # with all four counts; the table beside it gives the same numbers with their shares.
    assert ">A11</text>" in page and ">A11・B3・C1・D3</text>" in page
    assert '<td class="number">11<span class="share">（61%）</span></td>' in page
    assert "複数の課が担当する事業（2事業）は、担当するそれぞれの課に数えています。" in page
    assert "この総合戦略では、これより前の評価回がありません。" in page
    assert "http" not in page.split('<svg class="letter-chart"', 1)[1].split("</svg>")[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched from elsewhere


def test_departments_see_a_published_summary_but_not_the_provisional_one(client, open_round, staff_a, reviewer):
    client.force_login(staff_a)
    assert client.get(summary_url(fy2017())).context["summary"].total.total == 68
    response = client.get(summary_url(open_round))
    assert "summary" not in response.context
    assert "公表した後に見られるようになります" in response.content.decode()
    download = client.get(reverse("reviews:round-summary-download", args=[open_round.pk]))
    assert download.get("Content-Type", "").startswith("text/html")
    client.force_login(reviewer)
    response = client.get(summary_url(open_round))
    assert response.context["summary"].provisional and "暫定" in response.content.decode()


def test_the_summary_is_reachable_from_the_results_page_and_the_round_list(client, open_round, staff_a, reviewer):
    client.force_login(staff_a)
    page = client.get(reverse("reviews:results")).content.decode()
    assert summary_url(fy2017()) in page and summary_url(open_round) not in page
    assert summary_url(fy2017()) in client.get(reverse("reviews:round", args=[open_round.pk])).content.decode()
    client.force_login(reviewer)
    assert summary_url(open_round) in client.get(reverse("reviews:results")).content.decode()
    assert summary_url(open_round) in client.get(reverse("reviews:progress", args=[open_round.pk])).content.decode()


def test_the_summary_page_takes_the_same_number_of_queries_whatever_the_number_of_entries(
    client, open_round, staff_a, reviewer
):
    client.force_login(reviewer)
    url = summary_url(open_round)
    client.get(url)
    forget_kept()  # worked out afresh each time: the open round's counts are kept between changes
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for entry in Entry.objects.filter(round=open_round, project__departments__name="商工観光課")[:5]:
        approve_with(entry, "B", clerk=staff_a, reviewer=reviewer)
    project = make_project(Department.objects.get(name="商工観光課"), name="追加の事業")
    make_entry(open_round, project, state=Entry.State.SUBMITTED, status="A")
    forget_kept()
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def workbook_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_summary_downloads_as_a_workbook_in_the_sheets_house_style(client, seed, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("reviews:round-summary-download", args=[fy2017().pk]))
    assert "%E5%AE%9F%E6%96%BD%E7%8A%B6%E6%B3%81" in response["Content-Disposition"]  # 実施状況…
    wb = workbook_of(response)
    assert wb.sheetnames == ["集計の概要", "基本目標別", "基本施策別", "担当課別"]
    goals = wb["基本目標別"]
    rows = [[c.value for c in row] for row in goals.iter_rows(min_row=3)]
    assert [(r[1], r[3], r[5], r[7], r[9]) for r in rows] == [
        (11, 3, 1, 3, 18), (2, 1, 2, 1, 6), (23, 4, 2, 3, 32), (8, 1, 3, 0, 12)]
    assert rows[0][2] == 0.61 and goals.cell(3, 3).number_format == "0%"
    assert goals.cell(2, 1).style == "iruma_header" and goals.cell(3, 1).font.name == "ＭＳ ゴシック"
    assert goals.page_setup.orientation == "landscape" and goals.page_setup.paperSize == 8
    overview = [c.value for c in wb["集計の概要"]["A"]]
    assert "基本目標1では18事業のうち11事業（61%）がAでした。" in overview


def test_hostile_names_stay_inert_text_in_the_page_and_the_workbook(client, open_round, reviewer, staff_a):
    department = Department.objects.create(name='<img src=x onerror=alert(1)>課')
    project = make_project(department, name='=HYPERLINK("http://evil.example","x")')
    project.policy.title = "=1+1"
    project.policy.save()
    make_entry(open_round, project, state=Entry.State.SUBMITTED, status="A")
    client.force_login(reviewer)
    page = client.get(summary_url(open_round)).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;課" in page
    wb = workbook_of(client.get(reverse("reviews:round-summary-download", args=[open_round.pk])))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value == "=1+1" for c in cells)
    assert all(c.data_type == "s" for c in cells if c.value.startswith("="))


def test_the_results_page_takes_the_same_number_of_queries_whatever_the_number_of_rounds(client, seed, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:results")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    life.create_round(fy2017(), by=reviewer, fiscal_year=2018, title="平成30年度 実施事業評価",
                      implementation_heading="平成30年度の実施内容", legend="", deadline=None)
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()
    assert len(after) == len(before) and "平成30年度 実施事業評価" in page


def test_markup_in_names_stays_text_in_every_chart_and_table(client, open_round, reviewer):
    # The charts and tables are written in Python (reviews.results.charts), not by the template
    # language: a name typed with markup must come out as text in the SVG and the table alike.
    department = Department.objects.create(name='"><script>alert(1)</script>課')
    project = make_project(department, name="事業<b>太字</b>")
    project.policy.title = "<svg onload=alert(2)>施策"
    project.policy.save()
    make_entry(open_round, project, state=Entry.State.SUBMITTED, status="A")
    client.force_login(reviewer)
    page = client.get(summary_url(open_round)).content.decode()
    assert "<script>" not in page and "<svg onload" not in page
    department_text = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;課"
    policy_text = "&lt;svg onload=alert(2)&gt;施策"
    # each in its chart (the bar's title; the axis label is cut short) and in its table
    assert page.count(department_text) >= 2 and page.count(policy_text) >= 2


def test_a_published_summary_is_worked_out_once_and_handed_out_with_the_callers_round(seed):
    first = round_summary(fy2017())
    again = fy2017()
    with CaptureQueriesContext(connection) as queries:
        kept = round_summary(again)
    assert len(queries) == 1  # which round came before it; no entry is read again
    assert kept.round is again and kept.goals == first.goals and kept.sentences == first.sentences
