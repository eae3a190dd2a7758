"""A goal's or a policy's KPI is an item of its own on the reporting department's list, under the
same rules table as an entry; a round is published only once they are approved."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from projects.models import Department, Goal, Kpi
from reviews.entries.workflow import WorkflowError
from reviews.kpis.reports import RULES_FOR_REPORTS
from reviews.models import Answer, Entry, KpiActual
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal_kpi(open_round) -> Kpi:
    return Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.GOAL, goal=Goal.objects.get(number=1),
                              name="市内の事業所数", unit="所", direction=Kpi.Direction.HIGHER,
                              baseline_value=D(4000), baseline_year=2014, target_value=D(4200), target_year=2019,
                              department=Department.objects.get(name="企画課"))


def report(goal_kpi) -> KpiActual:
    return KpiActual.objects.get(kpi=goal_kpi)


def test_the_planning_division_reports_a_goal_kpi_and_another_reviewer_approves_it(
    client, open_round, goal_kpi, reviewer, reviewer2
):
    actual = report(goal_kpi)
    assert actual.entry is None and actual.department.name == "企画課"
    client.force_login(reviewer)
    listing = client.get(reverse("reviews:round-kpis", args=[open_round.pk])).content.decode()
    assert reverse("reviews:kpi-report", args=[actual.pk]) in listing
    response = client.post(reverse("reviews:kpi-report-edit", args=[actual.pk]), {
        "intent": "submit", f"kpi-{actual.pk}-version": actual.version, f"kpi-{actual.pk}-status": "reported",
        f"kpi-{actual.pk}-value": "4100"})
    assert response.status_code == 302 and report(goal_kpi).state == Entry.State.SUBMITTED
    # The one who wrote it may not approve it.
    response = client.post(reverse("reviews:kpi-report-action", args=[actual.pk, "approve"]),
                           {"version": report(goal_kpi).version})
    assert response.status_code == 403
    assert report(goal_kpi).state == Entry.State.SUBMITTED
    client.force_login(reviewer2)
    page = client.get(reverse("reviews:kpi-report", args=[actual.pk])).content.decode()
    assert "達成率 50.0%" in page
    client.post(reverse("reviews:kpi-report-action", args=[actual.pk, "return"]),
                {"version": report(goal_kpi).version, "comment": "出典の年次を確認してください。"})
    assert report(goal_kpi).state == Entry.State.RETURNED
    client.force_login(reviewer)
    assert "出典の年次を確認してください。" in client.get(reverse("reviews:kpi-report", args=[actual.pk])).content.decode()
    client.post(reverse("reviews:kpi-report-edit", args=[actual.pk]), {
        "intent": "submit", f"kpi-{actual.pk}-version": report(goal_kpi).version,
        f"kpi-{actual.pk}-status": "reported", f"kpi-{actual.pk}-value": "4120"})
    client.force_login(reviewer2)
    client.post(reverse("reviews:kpi-report-action", args=[actual.pk, "approve"]), {"version": report(goal_kpi).version})
    final = report(goal_kpi)
    assert final.state == Entry.State.APPROVED and final.value == D(4120)
    assert [e.action for e in final.events.order_by("created_at", "id")] == ["submit", "return", "submit", "approve"]


def test_a_goal_kpi_without_a_figure_or_a_reason_cannot_be_submitted(open_round, goal_kpi, reviewer):
    actual = report(goal_kpi)
    with pytest.raises(WorkflowError, match="実績値を入力するか、未把握・評価不能・事業終了"):
        RULES_FOR_REPORTS.submit(actual, by=reviewer, version=actual.version)
    with pytest.raises(WorkflowError, match="測れない理由を入力してください") as refused:
        RULES_FOR_REPORTS.submit(actual, by=reviewer, version=actual.version,
                                 values={"status": "unmeasurable", "note": ""})
    assert refused.value.draft_saved and report(goal_kpi).status == "unmeasurable"


def test_another_department_cannot_see_or_report_a_goal_kpi(client, open_round, goal_kpi, staff_b):
    actual = report(goal_kpi)
    client.force_login(staff_b)
    assert client.get(reverse("reviews:kpi-report", args=[actual.pk])).status_code == 404
    assert client.get(reverse("reviews:kpi-report", args=[99999999999999999999])).status_code == 404
    assert "市内の事業所数" not in client.get(reverse("reviews:round-kpis", args=[open_round.pk])).content.decode()
    with pytest.raises(PermissionDenied):
        RULES_FOR_REPORTS.save(actual, by=staff_b, version=actual.version, values={"status": "ended"})


def test_a_round_is_published_only_once_its_goal_and_policy_kpis_are_approved(open_round, goal_kpi, reviewer):
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=open_round).update(state=Entry.State.APPROVED, text="対応します。")
    with pytest.raises(life.RoundError, match="基本目標・基本施策の KPI の実績が 1 件"):
        life.change_state(open_round, "publish", by=reviewer)
    KpiActual.objects.filter(kpi=goal_kpi).update(state=Entry.State.APPROVED, status="ended")
    assert life.change_state(open_round, "publish", by=reviewer).is_published


def test_the_homes_link_to_the_kpi_list(client, open_round, goal_kpi, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:round-kpis", args=[open_round.pk])
    assert url in client.get(reverse("reviews:queue", args=[open_round.pk])).content.decode()
    assert url in client.get(reverse("reviews:round", args=[open_round.pk])).content.decode()
