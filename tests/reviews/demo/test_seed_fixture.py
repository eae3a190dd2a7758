"""The fixture holds exactly the real FY2016–17 sheet."""

from collections import Counter

import pytest

from projects.models import Department, Goal, Policy, Project
from reviews.models import Entry, Round

pytestmark = pytest.mark.django_db


def seed_projects(seed_data):
    for goal in seed_data["goals"]:
        for policy in goal["policies"]:
            for project in policy["projects"]:
                yield goal, policy, project


def test_the_seed_holds_four_goals_ten_policies_68_projects_15_departments(seed):
    assert Goal.objects.count() == 4
    assert Policy.objects.count() == 10
    assert Project.objects.count() == 68
    assert Department.objects.count() == 15


def test_projects_per_goal_and_policy_are_as_printed(seed, seed_data):
    expected = Counter((g["number"], p["title"]) for g, p, _ in seed_projects(seed_data))
    actual = Counter(
        (project.policy.goal.number, project.policy.title)
        for project in Project.objects.select_related("policy__goal")
    )
    assert actual == expected
    assert dict(Counter(p.policy.goal.number for p in Project.objects.select_related("policy__goal"))) == {
        1: 18, 2: 6, 3: 32, 4: 12,
    }


def test_the_status_letters_and_categories_are_as_printed(seed):
    assert dict(Counter(Entry.objects.values_list("status", flat=True))) == {"A": 44, "B": 9, "C": 8, "D": 7}
    categories = Counter(Project.objects.values_list("category", flat=True))
    assert categories == {Project.Category.CONTINUING: 22, Project.Category.NEW: 46}


def test_goals_and_policies_keep_their_printed_order_and_text(seed):
    goal = Goal.objects.get(number=1)
    assert goal.band_text == "1 働きやすいまちをつくる <しごと応援プロジェクト>"
    assert list(Goal.objects.get(number=2).policies.values_list("title", flat=True)) == [
        "若者の定住を推進する・親子の同居・近居を促進する・子育て世代の移住を促進する"
    ]
    assert list(Goal.objects.get(number=3).policies.values_list("title", "order")) == [
        ("出会いや結婚の希望をかなえる", 1),
        ("子育てをサポートする", 2),
        ("子どもの生きる力を育む", 3),
        ("子どもによるまちづくりを推進する", 4),
    ]


def test_each_projects_departments_are_in_order_with_the_lead_first(seed, seed_data):
    projects = {
        (p.policy.title, p.name): p
        for p in Project.objects.select_related("policy").prefetch_related("project_departments__department")
    }
    for _goal, policy, data in seed_projects(seed_data):
        project = projects[(policy["title"], data["name"])]
        assert [d.name for d in project.ordered_departments()] == data["departments"]
    shared = projects[("若者の定住を推進する・親子の同居・近居を促進する・子育て世代の移住を促進する", "多世代居住支援事業")]
    assert [d.name for d in shared.ordered_departments()] == ["都市計画課", "企画課"]


def test_the_centres_belong_to_seishonen_ka(seed):
    parent = Department.objects.get(name="青少年課")
    assert set(parent.children.values_list("name", flat=True)) == {
        "青少年課（児童センター）",
        "青少年課（青少年活動センター）",
    }
    assert Department.objects.filter(parent__isnull=False).count() == 2


def test_the_fy2017_round_is_published_with_68_approved_entries(seed, seed_data):
    round_ = Round.objects.get(fiscal_year=2017)
    assert round_.state == Round.State.PUBLISHED
    assert round_.implementation_heading == "平成28、29年度の実施内容"
    assert round_.legend_paragraphs == seed_data["legend"]["paragraphs"]
    assert round_.entries.count() == 68
    assert set(round_.entries.values_list("state", flat=True)) == {Entry.State.APPROVED}
    assert all(entry.events.count() == 1 for entry in round_.entries.all())


@pytest.mark.parametrize("index", [0, 9, 17, 30, 45, 67])
def test_a_sample_of_texts_matches_the_json_character_for_character(seed, seed_data, index):
    goal, policy, data = list(seed_projects(seed_data))[index]
    entry = Entry.objects.select_related("project").get(
        round__fiscal_year=2017, project__policy__title=policy["title"], project__name=data["name"]
    )
    assert entry.project.description == data["description"]
    assert entry.status == data["status"]
    assert entry.implementation == data["implementation"]
    assert entry.evaluation == data["evaluation"]
    assert entry.future_policy == data["future_policy"]
    assert entry.memo == ""
    assert entry.project.get_category_display() == data["category"]
