"""A return is impossible to miss, and reviewers hear about submissions: in the app at once, by
email in one daily digest that they may turn off."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from projects.models import StaffProfile
from reviews.entries import workflow
from reviews.entries.digest import send_digests
from reviews.models import DigestLog, Entry, MailDelivery, Notification
from tests.factories import FILLED

pytestmark = pytest.mark.django_db


def submit(entry, clerk):
    entry = workflow.save_draft(entry, by=clerk, version=entry.version, **FILLED)
    return workflow.submit(entry, by=clerk, version=entry.version)


@pytest.fixture
def entry(open_round):
    return Entry.objects.get(round=open_round, project__name="企業等誘致事業")


def test_the_return_comment_stands_at_the_top_and_opening_the_entry_marks_its_notices_read(
        client, django_capture_on_commit_callbacks, entry, staff_a, reviewer):
    entry = submit(entry, staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(entry, by=reviewer, version=entry.version, comment="件数を数字で書いてください")
    client.force_login(staff_a)
    assert Notification.objects.filter(user=staff_a, read_at__isnull=True).count() == 1
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    top = page.index("差戻しの理由")
    assert top < page.index('action="/entries/') and "件数を数字で書いてください" in page[top:top + 400]
    assert not Notification.objects.filter(user=staff_a, read_at__isnull=True).exists()


def test_reviewers_hear_of_a_submission_in_the_app_at_once_and_not_by_email(
        django_capture_on_commit_callbacks, entry, staff_a, reviewer):
    reviewer.email = "kikaku@example.jp"
    reviewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        submit(entry, staff_a)
    assert Notification.objects.get(user=reviewer).text == "「企業等誘致事業」が提出されました"
    assert mail.outbox == []


def test_the_daily_digest_lists_the_submissions_once_a_day_to_each_reviewer(entry, staff_a, reviewer, reviewer2):
    for user, address in ((reviewer, "r1@example.jp"), (reviewer2, "r2@example.jp")):
        user.email = address
        user.save()
    submit(entry, staff_a)
    sent = send_digests()
    assert sorted(s.username for s in sent) == ["reviewer", "reviewer2"]
    assert sorted(m.to[0] for m in mail.outbox) == ["r1@example.jp", "r2@example.jp"]
    assert "企業等誘致事業" in mail.outbox[0].body and "提出のまとめ（1件）" in mail.outbox[0].subject
    assert MailDelivery.objects.filter(kind=MailDelivery.Kind.DIGEST, status=MailDelivery.Status.SENT).count() == 2
    assert send_digests() == []  # never twice on the same day
    out = StringIO()
    call_command("send_digest", stdout=out)
    assert "送信: 0 人" in out.getvalue()


def test_the_next_digest_lists_only_what_came_after_the_last_one(entry, open_round, staff_a, reviewer):
    reviewer.email = "r1@example.jp"
    reviewer.save()
    submit(entry, staff_a)
    send_digests()
    other = Entry.objects.get(round=open_round, project__name="狭山茶販路拡大支援事業") if Entry.objects.filter(
        round=open_round, project__name="狭山茶販路拡大支援事業").exists() else Entry.objects.filter(
        round=open_round, project__departments__name="商工観光課").exclude(pk=entry.pk).first()
    submit(other, staff_a)
    tomorrow = timezone.now() + timedelta(days=1)
    mail.outbox.clear()
    assert [s.entries for s in send_digests(now=tomorrow)] == [1]
    assert other.project.name in mail.outbox[0].body and "企業等誘致事業" not in mail.outbox[0].body


def test_a_reviewer_who_turned_the_digest_off_gets_none(client, entry, staff_a, reviewer):
    reviewer.email = "r1@example.jp"
    reviewer.save()
    client.force_login(reviewer)
    response = client.post(reverse("settings"), {})  # the box unticked
    assert response.status_code == 302 and not StaffProfile.objects.get(user=reviewer).digest_enabled
    submit(entry, staff_a)
    assert send_digests() == [] and mail.outbox == []
    assert not DigestLog.objects.exists()


def test_nothing_new_sends_no_digest(reviewer):
    reviewer.email = "r1@example.jp"
    reviewer.save()
    assert send_digests() == []


def test_a_reviewer_without_a_mail_address_is_told_the_digest_cannot_reach_them(client, reviewer):
    reviewer.email = ""
    reviewer.save()
    client.force_login(reviewer)
    assert "メールアドレスが登録されていないため" in client.get(reverse("settings")).content.decode()
    reviewer.email = "r1@example.jp"
    reviewer.save()
    assert "メールアドレスが登録されていないため" not in client.get(reverse("settings")).content.decode()


def test_a_clerk_has_no_digest_to_turn_off(client, staff_a):
    client.force_login(staff_a)
    assert "変更できる設定はありません" in client.get(reverse("settings")).content.decode()


def test_the_digest_never_lists_the_reviewers_own_submission_and_misses_nothing_in_between(
        entry, open_round, staff_ab, reviewer, reviewer2):
    reviewer.email = "r1@example.jp"
    reviewer.save()
    own = Entry.objects.filter(round=open_round, project__departments__name="企画課").first()
    submit(own, reviewer)  # a reviewer who is also of 企画課 submits their own department's entry
    assert send_digests() == []  # their own submission is no news to them
    log_time = timezone.now()
    assert not DigestLog.objects.filter(sent_at__gt=log_time).exists()
