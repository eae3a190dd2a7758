"""The planning division's year: rounds from the last, opening, deadlines, publishing, progress."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from projects.models import Department, Project
from reviews.entries import workflow
from reviews.models import DeadlineExtension, Entry, Round, RoundEvent
from reviews.rounds import life as rounds
from tests.factories import FILLED, make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_a_round_created_from_the_last_has_its_active_projects_as_drafts_with_last_years_text_beside(
        client, reviewer, seed):
    retired = Project.objects.get(name="ブックスタート事業")
    client.force_login(reviewer)
    form = client.get(reverse("reviews:manage-round-create")).context["form"]
    assert form.initial["implementation_heading"] == "平成30年度の実施内容"
    assert "平成30年度の実施内容をもとに" in form.initial["legend"]

    response = client.post(reverse("reviews:manage-round-create"), {
        "fiscal_year": "H30", "title": "平成30年度 実施事業評価", "implementation_heading": "平成30年度の実施内容",
        "legend": form.initial["legend"], "deadline": str(TODAY + timedelta(days=30)), "retire": [retired.pk],
    }, follow=True)

    round_ = Round.objects.get(fiscal_year=2018)
    assert round_.state == Round.State.PREPARING
    assert round_.entries.count() == 67
    assert not round_.entries.filter(project=retired).exists()
    assert not Project.objects.get(pk=retired.pk).active
    entry = round_.entries.get(project__name="企業等誘致事業")
    assert (entry.state, entry.implementation, entry.status) == (Entry.State.DRAFT, "", "")
    assert workflow.previous_entry(entry).implementation.startswith("撤退した大学")
    assert RoundEvent.objects.get(round=round_).actor == reviewer
    assert "作成しました" in response.content.decode()


def test_departments_see_a_round_only_once_it_is_open(client, reviewer, staff_a, seed):
    round_ = rounds.create_round(Round.objects.get(fiscal_year=2017), by=reviewer, fiscal_year=2018, title="t",
                                 implementation_heading="h", legend="", deadline=None)
    client.force_login(staff_a)
    assert client.get(reverse("reviews:round", args=[round_.pk])).status_code == 404
    client.force_login(reviewer)
    response = client.post(reverse("reviews:manage-round-state", args=[round_.pk, "open"]), follow=True)
    assert "提出期限を設定してから" in response.content.decode()
    client.post(reverse("reviews:manage-round-deadline", args=[round_.pk]), {"deadline": str(TODAY)})
    client.post(reverse("reviews:manage-round-state", args=[round_.pk, "open"]))
    assert Round.objects.get(pk=round_.pk).state == Round.State.OPEN
    client.force_login(staff_a)
    assert client.get(reverse("reviews:round", args=[round_.pk])).status_code == 200


def test_a_round_whose_deadline_has_passed_is_not_opened(client, reviewer, staff_a, seed):
    """Opened so, every department would find it past its deadline at once (and be reminded of
    it): the reviewer is told to move the deadline first, and the round stays in preparation."""
    round_ = rounds.create_round(Round.objects.get(fiscal_year=2017), by=reviewer, fiscal_year=2018, title="t",
                                 implementation_heading="h", legend="", deadline=TODAY - timedelta(days=1))
    client.force_login(reviewer)
    response = client.post(reverse("reviews:manage-round-state", args=[round_.pk, "open"]), follow=True)
    assert "がすでに過ぎているため、受付を開始することはできません" in response.content.decode()
    assert Round.objects.get(pk=round_.pk).state == Round.State.PREPARING
    client.force_login(staff_a)
    assert client.get(reverse("reviews:round", args=[round_.pk])).status_code == 404


def test_a_closed_round_whose_deadline_has_passed_is_not_reopened_until_the_deadline_moves(
        client, reviewer, open_round):
    rounds.change_state(open_round, "close", by=reviewer)
    past_deadline(open_round)
    client.force_login(reviewer)
    url = reverse("reviews:manage-round-state", args=[open_round.pk, "reopen"])
    refused = client.post(url, follow=True).content.decode()
    assert "すでに過ぎているため、受付を再開することはできません" in refused
    assert Round.objects.get(pk=open_round.pk).state == Round.State.CLOSED
    client.post(reverse("reviews:manage-round-deadline", args=[open_round.pk]), {"deadline": str(TODAY)})
    client.post(url)
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN


def test_closing_a_published_round_is_not_even_offered_for_confirmation(client, reviewer, seed):
    published = Round.objects.get(fiscal_year=2017)
    client.force_login(reviewer)
    response = client.post(reverse("reviews:manage-round-state", args=[published.pk, "close"]), follow=True)
    text = response.content.decode()
    assert "ことはできません" in text and "よいですか" not in text
    assert Round.objects.get(pk=published.pk).state == Round.State.PUBLISHED


def test_publishing_refuses_while_an_entry_is_not_approved(client, reviewer, open_round):
    client.force_login(reviewer)
    client.post(reverse("reviews:manage-round-state", args=[open_round.pk, "close"]), {"confirmed": "yes"})
    response = client.post(reverse("reviews:manage-round-state", args=[open_round.pk, "publish"]),
                           {"confirmed": "yes"}, follow=True)
    assert "承認されていない評価が 68 件あるため、公表できません" in response.content.decode()
    assert Round.objects.get(pk=open_round.pk).state == Round.State.CLOSED


def test_publishing_when_everything_is_approved(reviewer, seed):
    round_ = Round.objects.get(fiscal_year=2017)
    Round.objects.filter(pk=round_.pk).update(state=Round.State.CLOSED)
    published = rounds.change_state(round_, "publish", by=reviewer)
    assert published.state == Round.State.PUBLISHED
    assert published.events.first().action == "publish"


def test_a_department_user_cannot_manage_rounds(client, staff_a, open_round):
    client.force_login(staff_a)
    assert client.get(reverse("reviews:manage-rounds")).status_code == 403
    assert client.post(reverse("reviews:manage-round-state", args=[open_round.pk, "close"])).status_code == 403
    assert client.get(reverse("reviews:progress", args=[open_round.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        rounds.set_deadline(open_round, TODAY, by=staff_a)
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN


def past_deadline(round_: Round) -> None:
    Round.objects.filter(pk=round_.pk).update(deadline=TODAY - timedelta(days=1))


def test_after_its_deadline_a_department_cannot_submit_unless_extended(staff_a, reviewer, open_round):
    past_deadline(open_round)
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    with pytest.raises(workflow.WorkflowError, match="提出期限（.*）を過ぎているため提出できません"):
        workflow.submit(entry, by=staff_a, version=entry.version)
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.DRAFT

    rounds.extend_deadline(open_round, Department.objects.get(name="商工観光課"), TODAY + timedelta(days=3),
                           by=reviewer)
    entry = Entry.objects.get(pk=entry.pk)
    assert workflow.submit(entry, by=staff_a, version=entry.version).state == Entry.State.SUBMITTED


def test_an_extension_must_be_later_than_the_round_deadline(reviewer, open_round):
    with pytest.raises(rounds.RoundError, match="より後の日"):
        rounds.extend_deadline(open_round, Department.objects.get(name="商工観光課"), open_round.deadline,
                               by=reviewer)
    assert not DeadlineExtension.objects.exists()


def test_a_refused_extension_shows_the_page_again_with_what_was_typed(client, reviewer, open_round):
    client.force_login(reviewer)
    too_early = open_round.deadline
    response = client.post(reverse("reviews:manage-round-extend", args=[open_round.pk]),
                           {"department": "商工観光課", "deadline": str(too_early)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "より後の日にしてください" in page
    assert 'value="商工観光課"' in page and f'value="{too_early.isoformat()}"' in page
    assert not DeadlineExtension.objects.exists()


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "yesterday"])
def test_a_deadline_in_the_past_or_years_away_is_refused_with_the_reason(client, reviewer, open_round, typed):
    client.force_login(reviewer)
    day = str(TODAY - timedelta(days=1)) if typed == "yesterday" else typed
    before = Round.objects.get(pk=open_round.pk).deadline
    deadline = client.post(reverse("reviews:manage-round-deadline", args=[open_round.pk]), {"deadline": day},
                           follow=True)
    extension = client.post(reverse("reviews:manage-round-extend", args=[open_round.pk]),
                            {"department": "商工観光課", "deadline": day})
    for response in (deadline, extension):
        text = response.content.decode()
        assert "以降の日にしてください" in text or "年以内の日にしてください" in text
    assert Round.objects.get(pk=open_round.pk).deadline == before
    assert not DeadlineExtension.objects.exists()


def test_a_deadline_typed_in_full_width_digits_is_read(client, reviewer, open_round):
    client.force_login(reviewer)
    day = TODAY + timedelta(days=40)
    typed = str(day).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    client.post(reverse("reviews:manage-round-deadline", args=[open_round.pk]), {"deadline": typed})
    assert Round.objects.get(pk=open_round.pk).deadline == day


def test_an_extension_the_rounds_later_deadline_overtook_is_marked_as_without_effect(client, reviewer, open_round):
    rounds.extend_deadline(open_round, Department.objects.get(name="商工観光課"), open_round.deadline + timedelta(days=5),
                           by=reviewer)
    client.force_login(reviewer)
    url = reverse("reviews:manage-round", args=[open_round.pk])
    assert "いまは効果がありません" not in client.get(url).content.decode()
    client.post(reverse("reviews:manage-round-deadline", args=[open_round.pk]),
                {"deadline": str(open_round.deadline + timedelta(days=10))})
    assert "いまは効果がありません" in client.get(url).content.decode()


def test_moving_an_extension_earlier_is_not_called_an_extension(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("reviews:manage-round-extend", args=[open_round.pk])
    later, less_late = open_round.deadline + timedelta(days=20), open_round.deadline + timedelta(days=10)
    first = client.post(url, {"department": "商工観光課", "deadline": str(later)}, follow=True)
    assert f"{later.year}年{later.month}月{later.day}日 まで延長しました" in first.content.decode()
    second = client.post(url, {"department": "商工観光課", "deadline": str(less_late)}, follow=True)
    text = second.content.decode()
    assert "に早めました" in text and "延長しました。" not in text.split("に早めました")[0][-80:]
    assert open_round.events.order_by("-pk").first().comment.endswith("に早めました。")


def test_the_progress_page_lists_late_departments_and_links_to_the_summary(client, reviewer, staff_a, open_round):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    workflow.submit(entry, by=staff_a, version=entry.version)
    past_deadline(open_round)
    client.force_login(reviewer)

    response = client.get(reverse("reviews:progress", args=[open_round.pk]))

    rows = {d.name: d for d in response.context["departments"]}
    assert rows["商工観光課"].counts["submitted"] == 1 and rows["商工観光課"].counts["draft"] == 20
    assert rows["商工観光課"].late and rows["商工観光課"].last_worked is not None
    assert rows["地域保健課"].late and rows["地域保健課"].last_worked is None
    assert reverse("reviews:round-summary", args=[open_round.pk]) in response.content.decode()
    seed_progress = client.get(reverse("reviews:progress", args=[Round.objects.get(fiscal_year=2017).pk]))
    assert sum(d.total for d in seed_progress.context["departments"]) == 70  # two shared projects
    assert not any(d.late for d in seed_progress.context["departments"])


def test_several_submitted_entries_are_approved_at_once_each_checked_on_its_own(client, staff_a, open_round):
    submitted = []
    for name in ("企業等誘致事業", "求人情報提供事業"):
        entry = Entry.objects.get(round=open_round, project__name=name)
        entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
        submitted.append(workflow.submit(entry, by=staff_a, version=entry.version))
    author_reviewer = make_user("author_reviewer", "企画課", reviewer=True)
    corrected = workflow.correct(submitted[1], by=author_reviewer, version=submitted[1].version, evaluation="補足")
    client.force_login(author_reviewer)

    response = client.post(reverse("reviews:approve-selected", args=[open_round.pk]), {
        "entry": [submitted[0].pk, corrected.pk], "confirmed": "yes",
        f"version-{submitted[0].pk}": submitted[0].version, f"version-{corrected.pk}": corrected.version,
    }, follow=True)

    page = response.content.decode()
    assert "1 件を承認しました" in page and "自分が記載した内容は承認できません" in page
    assert Entry.objects.get(pk=submitted[0].pk).state == Entry.State.APPROVED
    assert Entry.objects.get(pk=corrected.pk).state == Entry.State.SUBMITTED


def test_projects_added_in_the_admin_join_a_round_in_preparation(client, reviewer, seed):
    round_ = rounds.create_round(Round.objects.get(fiscal_year=2017), by=reviewer, fiscal_year=2018, title="t",
                                 implementation_heading="h", legend="", deadline=None)
    policy = Project.objects.first().policy
    new = Project.objects.create(policy=policy, name="新しい事業", category=Project.Category.NEW, order=99)
    client.force_login(reviewer)
    response = client.post(reverse("reviews:manage-round-add-projects", args=[round_.pk]), follow=True)
    assert "1 件に、下書きの評価を追加しました" in response.content.decode()
    assert round_.entries.filter(project=new, state=Entry.State.DRAFT).exists()


def test_an_extension_lets_that_department_finish_in_a_closed_round_and_nobody_else(client, reviewer, staff_a,
                                                                                     staff_b, open_round):
    rounds.change_state(open_round, "close", by=reviewer)
    rounds.extend_deadline(open_round, Department.objects.get(name="商工観光課"), open_round.deadline + timedelta(days=5),
                           by=reviewer)
    assert Round.objects.get(pk=open_round.pk).state == Round.State.CLOSED
    mine = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    mine = workflow.save_draft(mine, by=staff_a, version=mine.version, **FILLED)
    assert workflow.submit(mine, by=staff_a, version=mine.version).state == Entry.State.SUBMITTED
    theirs = Entry.objects.get(round=open_round, project__name="妊婦健診事業")
    with pytest.raises(workflow.WorkflowError, match="締切済"):
        workflow.save_draft(theirs, by=staff_b, version=theirs.version, **FILLED)


def test_a_refused_submission_keeps_the_typed_text_on_the_form(client, staff_a, open_round):
    past_deadline(open_round)
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    client.force_login(staff_a)
    response = client.post(reverse("reviews:entry-edit", args=[entry.pk]), {
        "version": entry.version, "intent": "submit", **FILLED, "implementation": "締切後に書いた大事な文章"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "提出期限" in page and "締切後に書いた大事な文章" in page


def test_changed_an_extension_for_a_department_without_entries_in_the_round_is_refused(reviewer, open_round):
    nobody = Department.objects.create(name="会計課")  # no project of its own or of a sub-unit
    with pytest.raises(rounds.RoundError, match="会計課 には、この評価回の評価がありません"):
        rounds.extend_deadline(open_round, nobody, open_round.deadline + timedelta(days=5), by=reviewer)
    assert not DeadlineExtension.objects.exists()
    assert not RoundEvent.objects.filter(round=open_round, action=RoundEvent.Action.EXTEND).exists()


def test_an_extension_for_a_parent_whose_entries_are_its_sub_units_is_granted(reviewer, open_round):
    seishonen = Department.objects.get(name="青少年課")
    rounds.extend_deadline(open_round, seishonen, open_round.deadline + timedelta(days=5), by=reviewer)
    assert DeadlineExtension.objects.get().department == seishonen


def test_changed_an_unknown_round_action_is_a_404_and_changes_nothing(client, reviewer, open_round):
    client.force_login(reviewer)
    response = client.post(reverse("reviews:manage-round-state", args=[open_round.pk, "delete"]))
    assert response.status_code == 404
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN


def test_bulk_approval_with_odd_digits_refuses_quietly_instead_of_a_server_error(client, reviewer, open_round):
    client.force_login(reviewer)
    entry = Entry.objects.filter(round=open_round).first()
    url = reverse("reviews:approve-selected", args=[open_round.pk])
    assert client.post(url, {"entry": ["²", "١"]}).status_code == 302
    assert client.post(url, {"entry": [str(entry.pk)], f"version-{entry.pk}": "²", "confirmed": "yes"}).status_code == 302


def test_a_round_comment_with_a_control_character_is_refused(reviewer, open_round):
    with pytest.raises(rounds.RoundError, match="使えない制御文字"):
        rounds.change_state(open_round, "close", by=reviewer, comment="締切\x07")
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN


def test_closing_first_shows_what_will_happen_and_changes_nothing_until_confirmed(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("reviews:manage-round-state", args=[open_round.pk, "close"])
    page = client.post(url).content.decode()
    assert "締め切ってよいですか" in page and "まだ提出されていない評価が 68 件あります" in page
    assert 'name="confirmed" value="yes"' in page and "<script>" not in page
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN
    client.post(url, {"confirmed": "yes"})
    assert Round.objects.get(pk=open_round.pk).state == Round.State.CLOSED


def test_publishing_first_says_it_cannot_be_undone(client, reviewer, open_round):
    client.force_login(reviewer)
    page = client.post(reverse("reviews:manage-round-state", args=[open_round.pk, "publish"])).content.decode()
    assert "公表してよいですか" in page and "元に戻せません" in page
    assert ">公表する</button>" not in page  # 68 entries are not approved: no button that cannot work
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN


def test_bulk_approval_first_lists_the_chosen_entries_and_approves_only_when_confirmed(client, staff_a, reviewer,
                                                                                        open_round):
    entries = list(Entry.objects.filter(round=open_round, project__departments__name="商工観光課")[:2])
    submitted = []
    for entry in entries:
        entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
        submitted.append(workflow.submit(entry, by=staff_a, version=entry.version))
    client.force_login(reviewer)
    data = {"entry": [e.pk for e in submitted], **{f"version-{e.pk}": e.version for e in submitted}}
    url = reverse("reviews:approve-selected", args=[open_round.pk])
    page = client.post(url, data).content.decode()
    assert "次の 2 件を承認してよいですか" in page and submitted[0].project.name in page
    assert not Entry.objects.filter(state=Entry.State.APPROVED, round=open_round).exists()
    confirmed = client.post(url, {**data, "confirmed": "yes"}, follow=True)
    assert "2 件を承認しました" in confirmed.content.decode()
    queue = client.get(reverse("reviews:queue", args=[open_round.pk])).content.decode()
    assert 'id="select-all"' in queue and "js/queue.js" in queue


def test_an_extension_sent_blank_names_each_missing_field_once(client, reviewer, open_round):
    client.force_login(reviewer)
    response = client.post(reverse("reviews:manage-round-extend", args=[open_round.pk]), {"department": "", "deadline": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("担当課を入力してください。") == 1 and page.count("延長後の提出期限を入力してください。") == 1
    assert "このフィールドは必須です" not in page
