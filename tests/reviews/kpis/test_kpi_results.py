"""Where KPIs show: a trend chart with its table, the goals' 数値目標 on the summaries and the
packet, the public pages once published, and open data of their own."""

import csv
import io
import json
from decimal import Decimal as D

import pytest
from django.urls import reverse

from projects.models import Department, Goal, Kpi, Project
from reviews.models import Answer, Entry, KpiActual
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


@pytest.fixture
def kpis(open_round):
    goal = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.GOAL, goal=Goal.objects.get(number=1),
                              name="市内の事業所数", unit="所", direction=Kpi.Direction.HIGHER, baseline_value=D(4000),
                              baseline_year=2014, target_value=D(4200), target_year=2019,
                              department=Department.objects.get(name="企画課"))
    project = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT,
                                 project=Project.objects.get(name=PROJECT), name="企業誘致件数", unit="件",
                                 direction=Kpi.Direction.HIGHER, baseline_value=D(2), baseline_year=2014,
                                 target_value=D(10), target_year=2019, department=Department.objects.get(name="商工観光課"))
    KpiActual.objects.filter(kpi=goal).update(status="reported", value=D(4100))
    KpiActual.objects.filter(kpi=project).update(status="reported", value=D(6), comment='=HYPERLINK("x")\n二行目')
    return goal, project


def publish(open_round, reviewer):
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=open_round).update(state=Entry.State.APPROVED, text="対応します。")
    KpiActual.objects.filter(round=open_round, entry=None).update(state=Entry.State.APPROVED)
    return life.change_state(open_round, "publish", by=reviewer)


def test_the_provisional_summary_and_the_packet_show_the_goals_kpis(client, open_round, kpis, reviewer):
    client.force_login(reviewer)
    for name in ("reviews:round-summary", "reviews:round-packet"):
        page = client.get(reverse(name, args=[open_round.pk])).content.decode()
        assert "基本目標の数値目標（平成30年度 実施事業評価の時点）" in page
        assert "市内の事業所数（所）" in page and "50.0%" in page and "達成度 ○" in page


def test_a_kpi_page_draws_its_trend_with_a_table_of_the_same_numbers(client, open_round, kpis, reviewer):
    goal, _project = kpis
    client.force_login(reviewer)
    page = client.get(reverse("reviews:kpi-report", args=[KpiActual.objects.get(kpi=goal).pk])).content.decode()
    assert "市内の事業所数の推移（濃い棒: 実績、薄い棒: その年度の目標）" in page
    assert ">4100所</text>" in page and ">4160所</text>" in page  # the figure and the year's target on the path
    assert "<caption>市内の事業所数の推移</caption>" in page


def test_the_public_pages_show_kpis_once_published_and_never_before(client, open_round, kpis, reviewer):
    project_page = reverse("public:project", args=[Project.objects.get(name=PROJECT).pk])
    assert "企業誘致件数" not in client.get(project_page).content.decode()
    summary = reverse("public:summary", args=["senryaku-2015", 2017])
    assert "市内の事業所数" not in client.get(summary).content.decode()
    publish(open_round, reviewer)
    page = client.get(project_page).content.decode()
    assert "KPI: 企業誘致件数（件）" in page and "50.0%" in page
    assert "市内の事業所数" in client.get(reverse("public:summary", args=["senryaku-2015", 2018])).content.decode()


def test_kpi_open_data_has_one_line_per_kpi_per_round_to_the_same_rules(client, open_round, kpis, reviewer):
    assert client.get(reverse("public:kpi-csv", args=["senryaku-2015", 2018])).status_code == 404
    publish(open_round, reviewer)
    response = client.get(reverse("public:kpi-csv", args=["senryaku-2015", 2018]))
    text = response.content.decode("utf-8-sig")
    assert response.content.startswith(b"\xef\xbb\xbf") and len(text.splitlines()) == 3
    rows = list(csv.DictReader(io.StringIO(text)))
    project_row = next(r for r in rows if r["指標名"] == "企業誘致件数")
    assert project_row["対象の名称"] == PROJECT and project_row["達成率"] == "50.0" and project_row["評価"] == "達成度 ○"
    assert project_row["年度"] == "2018" and project_row["年度（和暦）"] == "平成30年度"
    document = json.loads(client.get(reverse("public:kpi-json", args=["senryaku-2015", 2018])).content)
    assert len(document["records"]) == 2 and "comment" not in document["records"][0]
    page = client.get(reverse("public:data")).content.decode()
    assert "KPI の CSV の列（JSON のキー）" in page and reverse("public:kpi-csv", args=["senryaku-2015", 2018]) in page


def test_the_packet_workbook_has_a_sheet_of_the_goals_kpis(client, open_round, kpis, reviewer):
    from openpyxl import load_workbook

    client.force_login(reviewer)
    response = client.get(reverse("reviews:round-packet-download", args=[open_round.pk]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [[c.value for c in row] for row in wb["数値目標"].iter_rows(min_row=4)]
    assert rows == [["基本目標1", "市内の事業所数", "所", "4000（2014）", "4200（2019）", "4100所", "4100", "50.0%", "達成度 ○"]]


def test_a_published_rounds_packet_keeps_the_goal_kpi_as_published_after_the_admin_edits_it(
        client, open_round, kpis, reviewer):
    from openpyxl import load_workbook

    goal, _project = kpis
    publish(open_round, reviewer)
    goal = Kpi.objects.get(pk=goal.pk)
    goal.name, goal.unit, goal.target_value = "市内の民営事業所数", "事業所", D(5000)
    goal.save()
    client.force_login(reviewer)
    response = client.get(reverse("reviews:round-packet-download", args=[open_round.pk]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [[c.value for c in row] for row in wb["数値目標"].iter_rows(min_row=4)]
    assert rows == [["基本目標1", "市内の事業所数", "所", "4000（2014）", "4200（2019）", "4100所", "4100", "50.0%", "達成度 ○"]]


def test_a_project_kpi_with_two_rounds_draws_its_trend_on_the_entry_page(client, open_round, kpis, staff_a):
    _goal, project = kpis
    from reviews.models import Round

    published = Round.objects.get(fiscal_year=2017)
    entry = Entry.objects.get(round=published, project__name=PROJECT)
    KpiActual.objects.create(round=published, kpi=project, entry=entry, department=project.department,
                             status="reported", value=D(4))
    client.force_login(staff_a)
    page = client.get(reverse("reviews:entry", args=[Entry.objects.get(round=open_round, project__name=PROJECT).pk]))
    body = page.content.decode()
    assert "企業誘致件数の推移（濃い棒: 実績、薄い棒: その年度の目標）" in body and ">4件</text>" in body and ">6件</text>" in body


def test_the_public_round_page_lists_the_goal_and_policy_kpis_once_published(client, open_round, kpis, reviewer):
    url = reverse("public:round", args=["senryaku-2015", 2018])
    assert client.get(url).status_code == 404
    publish(open_round, reviewer)
    page = client.get(url).content.decode()
    assert "基本目標・基本施策の KPI" in page and "市内の事業所数（所）" in page and "50.0%" in page
