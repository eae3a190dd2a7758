"""The committee packet: a cover, the summaries, the official sheet's content and the committee's
opinions with the answers; as a print view and as one xlsx workbook."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.fiscal_year import format_date_wareki
from projects.models import Project
from reviews.models import Answer, Entry, Opinion, Round
from reviews.results import answers, opinions
from reviews.results.summary import forget_kept
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


def fy2017() -> Round:
    return Round.objects.get(fiscal_year=2017)


def packet_url(round_: Round, **query) -> str:
    url = reverse("reviews:round-packet", args=[round_.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def workbook_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_packets_print_view_has_a_cover_the_summary_the_sheet_and_a_page_per_goal(client, seed, staff_a):
    client.force_login(staff_a)
    response = client.get(packet_url(fy2017(), label="資料２", day="2018-07-10"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<p class="packet-label">資料2</p>' in page and '<p class="packet-date">平成30年7月10日</p>' in page
    assert "入間市まち・ひと・しごと創生総合戦略" in page and "平成29年度 実施事業評価" in page
    assert "基本目標1では18事業のうち11事業（61%）がAでした。" in page
    assert page.count('<section class="packet-goal"') == 4
    assert page.count('<tr class="packet-running">') == 4  # a header row repeated on every printed page
    assert page.count("<th scope=\"row\" class=\"pre\">") == 68  # every project of the sheet
    assert "packet.css" in page
    assert "メモ（企画課内部用）" not in page


def test_the_cover_date_defaults_to_today_in_wareki_and_a_bad_label_is_named(client, seed, staff_a):
    client.force_login(staff_a)
    page = client.get(packet_url(fy2017())).content.decode()
    assert format_date_wareki(timezone.localdate()) in page and '<p class="packet-label">資料1</p>' in page
    response = client.get(packet_url(fy2017(), label="<b>x</b>", day="2018-13-40"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "資料番号は「資料1」のように" in page and "2018-13-40 という日付はありません" in page
    assert "<b>x</b>" not in page
    assert "2026-02-30 という日付はありません" in client.get(packet_url(fy2017(), day="2026-02-30")).content.decode()
    assert "日付は 2026-12-01 の形で入力してください" in client.get(packet_url(fy2017(), day="7月10日")).content.decode()


def test_the_packet_workbook_holds_the_cover_the_official_sheet_the_summaries_and_opinions(client, seed, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("reviews:round-packet-download", args=[fy2017().pk]),
                          {"label": "資料3", "day": "2018-07-10"})
    wb = workbook_of(response)
    assert wb.sheetnames == ["表紙", "入力表", "集計の概要", "基本目標別", "基本施策別", "担当課別", "委員会意見"]
    cover = [c.value for c in wb["表紙"]["A"]]
    assert cover == ["入間市まち・ひと・しごと創生総合戦略", "平成29年度 実施事業評価", "資料3", "平成30年7月10日"]
    sheet = wb["入力表"]
    assert sheet["I1"].value == "資料3" and sheet.page_setup.orientation == "landscape"
    names = [str(c.value).split("\n")[0] for c in sheet["C"] if c.value and "\n" in str(c.value)]
    assert len(names) == 68 and PROJECT in names
    assert all(c.value in (None, "") for c in sheet["I"][5:])  # no memo in the committee's copy
    assert [r[1].value for r in wb["基本目標別"].iter_rows(min_row=3)] == [11, 2, 23, 8]


def test_the_next_rounds_packet_shows_last_years_opinions_with_this_years_answers(client, seed, reviewer, staff_a):
    next_round = life.create_round(fy2017(), by=reviewer, fiscal_year=2018, title="平成30年度 実施事業評価",
                                   implementation_heading="平成30年度の実施内容", legend="",
                                   deadline=timezone.localdate() + timedelta(days=30))
    opinion = opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.PROJECT,
                                      target=Project.objects.get(name=PROJECT), text="成果を数字で示してください。")
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    answers.submit_answer(answer, by=staff_a, version=answer.version, text="訪問件数を示します。")
    client.force_login(reviewer)
    page = client.get(packet_url(next_round)).content.decode()
    assert "（暫定）" in page
    assert "平成29年度 実施事業評価への委員会意見と、平成30年度 実施事業評価での対応方針" in page
    assert "成果を数字で示してください。" in page and "訪問件数を示します。" in page and "商工観光課（提出済）" in page
    wb = workbook_of(client.get(reverse("reviews:round-packet-download", args=[next_round.pk])))
    rows = [[c.value for c in row] for row in wb["前回の意見への対応方針"].iter_rows(min_row=3)]
    assert rows == [["意見1", f"事業: {PROJECT}", "成果を数字で示してください。", "商工観光課", "提出済", "訪問件数を示します。"]]
    # A department sees no packet of a round in progress.
    client.force_login(staff_a)
    assert "packet" not in client.get(packet_url(next_round)).context


def test_the_packet_takes_the_same_number_of_queries_whatever_the_number_of_entries_and_opinions(
    client, open_round, reviewer, staff_a
):
    def add_opinion(name: str) -> None:
        project = Project.objects.get(name=name)
        opinion = Opinion.objects.create(round=fy2017(), subject=Opinion.Subject.PROJECT, project=project, text="意見")
        opinion.departments.set(project.departments.all())

    client.force_login(reviewer)
    url = packet_url(fy2017())
    add_opinion(PROJECT)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for name in ("求人情報提供事業", "多世代居住支援事業"):
        add_opinion(name)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
    entry = Entry.objects.filter(round=open_round).first()
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED, **FILLED)
    client.get(packet_url(open_round))
    forget_kept()  # the open round's counts, worked out afresh at both sizes
    with CaptureQueriesContext(connection) as small:
        client.get(packet_url(open_round))
    Entry.objects.filter(round=open_round).update(state=Entry.State.SUBMITTED, **FILLED)
    forget_kept()
    with CaptureQueriesContext(connection) as large:
        client.get(packet_url(open_round))
    assert len(large) == len(small)


def test_hostile_text_in_opinions_and_answers_stays_inert_in_the_packet(client, seed, reviewer):
    project = Project.objects.get(name=PROJECT)
    opinion = Opinion.objects.create(round=fy2017(), subject=Opinion.Subject.PROJECT, project=project,
                                     text='=HYPERLINK("http://evil.example","x")<img src=x>')
    opinion.departments.set(project.departments.all())
    client.force_login(reviewer)
    page = client.get(packet_url(fy2017())).content.decode()
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page
    wb = workbook_of(client.get(reverse("reviews:round-packet-download", args=[fy2017().pk])))
    cell = next(c for row in wb["委員会意見"].iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"



def test_a_cover_date_the_wareki_cannot_name_is_refused_in_words_on_the_page_and_the_download(client, seed, staff_a):
    client.force_login(staff_a)
    for url in (reverse("reviews:round-packet", args=[fy2017().pk]),
                reverse("reviews:round-packet-download", args=[fy2017().pk])):
        response = client.get(url, {"day": "1868-01-01"})
        assert response.status_code == 400
        assert "昭和元年（1926年12月25日）から2200年までの日付" in response.content.decode()
    response = client.get(reverse("reviews:round-packet-download", args=[fy2017().pk]), {"label": "x" * 30})
    assert response.status_code == 400 and "20文字以内" in response.content.decode()


def test_a_department_asking_for_an_unpublished_rounds_packet_is_told_plainly(client, open_round, staff_a):
    client.force_login(staff_a)
    for name in ("reviews:round-packet", "reviews:round-packet-download"):
        response = client.get(reverse(name, args=[open_round.pk]))
        assert response.status_code == 403 and "推進会議資料は、公表した後に見られるようになります" in response.content.decode()
