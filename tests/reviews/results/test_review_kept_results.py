"""What is kept between requests (a published round's summary in each process, its goals for the
list's filter in Django's cache) is never served stale: a published round whose previous round is
still in progress compares with that round as it stands now, and with its final letters once it is
published; a round saved again is counted again; a goal renamed in the admin after publication
keeps the name the round published, in the summary and in the list's filter."""

import pytest
from django.urls import reverse

from projects.models import Goal
from reviews.models import Entry, Round
from reviews.results.summary import round_summary
from reviews.rounds import life, record
from reviews.rounds.lists import filter_choices

pytestmark = pytest.mark.django_db


def fy2017() -> Round:
    return Round.objects.get(fiscal_year=2017)


def publish_directly(round_: Round, letter: str = "A") -> Round:
    """The round as publishing leaves it (every entry approved, its facts captured), without the
    workflow's steps, which have their own tests."""
    Entry.objects.filter(round=round_).update(state=Entry.State.APPROVED, status=letter)
    round_.state = Round.State.PUBLISHED
    round_.save()
    record.capture_from_hierarchy(round_)
    return Round.objects.get(pk=round_.pk)


def test_a_published_round_compares_with_its_previous_round_as_it_stands_until_that_one_is_published(
        open_round, reviewer):
    # FY2019 published (all A) while FY2018, the round before it, is still open.
    fy2019 = life.create_round(open_round, by=reviewer, fiscal_year=2019, title="令和元年度 実施事業評価",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    fy2019 = publish_directly(fy2019, "A")
    assert round_summary(fy2019).change.total.total == 0  # nothing of FY2018 counted yet
    assert round_summary(Round.objects.get(pk=fy2019.pk), published_only=True).change is None

    # One FY2018 entry submitted as D: the FY2019 summary (not kept while FY2018 is open) sees it.
    Entry.objects.filter(pk=open_round.entries.order_by("pk").first().pk).update(
        state=Entry.State.SUBMITTED, status="D")
    change = round_summary(Round.objects.get(pk=fy2019.pk)).change
    assert change.total.D == 1 and len(change.rose) == 1

    # FY2018 published with every entry B: the comparison is now with its final letters, also publicly.
    publish_directly(Round.objects.get(pk=open_round.pk), "B")
    for published_only in (False, True):
        change = round_summary(Round.objects.get(pk=fy2019.pk), published_only=published_only).change
        assert change is not None and change.total.B == 68 and change.total.D == 0
        assert len(change.rose) == 68 and not change.fell


def test_a_published_round_saved_again_is_counted_again(seed):
    before = round_summary(fy2017())
    entry = Entry.objects.filter(round=fy2017(), status="A").order_by("pk").first()
    Entry.objects.filter(pk=entry.pk).update(status="D")
    assert round_summary(fy2017()).total.A == before.total.A  # kept: nothing said the round changed
    again = fy2017()
    again.save()  # (publishing, loading its sheet and the admin save the round)
    after = round_summary(Round.objects.get(pk=again.pk))
    assert after.total.A == before.total.A - 1 and after.total.D == before.total.D + 1


def test_a_goal_renamed_in_the_admin_after_publication_keeps_the_published_name(client, seed, reviewer):
    published = fy2017()
    goal = Goal.objects.get(strategy=published.strategy, number=1)
    printed = dict(filter_choices(published, with_departments=False)["goals"])[goal.pk]
    summary_before = round_summary(published).goals[0].label
    Goal.objects.filter(pk=goal.pk).update(title="改名された基本目標")

    choices = dict(filter_choices(Round.objects.get(pk=published.pk), with_departments=False)["goals"])
    assert choices[goal.pk] == printed and "改名された基本目標" not in printed
    assert round_summary(Round.objects.get(pk=published.pk)).goals[0].label == summary_before
    client.force_login(reviewer)
    body = client.get(reverse("reviews:round", args=[published.pk]) + f"?goal={goal.pk}").content.decode()
    assert "改名された基本目標" not in body and "全" in body
    # The open round that follows names the goal as it is called today.
    assert choices != dict(filter_choices(life.create_round(
        published, by=reviewer, fiscal_year=2018, title="平成30年度 実施事業評価",
        implementation_heading="平成30年度の実施内容", legend="", deadline=None), with_departments=False)["goals"])
