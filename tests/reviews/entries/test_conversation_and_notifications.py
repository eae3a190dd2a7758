"""Talking an entry through, and being told when something happens to it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from projects.models import Department
from reviews import mail as mail_module
from reviews.entries import conversation, workflow
from reviews.models import Entry, MailDelivery, Notification, ReminderLog, Round
from reviews.rounds.reminders import send_reminders
from tests.factories import FILLED, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(open_round, staff_a):
    staff_a.email = "shoko@example.jp"
    staff_a.save()
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    return workflow.submit(entry, by=staff_a, version=entry.version)


def test_a_return_notifies_the_department_in_the_app_and_by_email_after_the_commit(
        django_capture_on_commit_callbacks, submitted, reviewer, staff_a):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.return_entry(submitted, by=reviewer, version=submitted.version, comment="件数を書いてください")
    assert len(callbacks) == 1
    notice = Notification.objects.get(user=staff_a)
    assert notice.text == "「企業等誘致事業」が差し戻されました" and notice.entry_id == submitted.pk
    assert not Notification.objects.filter(user=reviewer).exists()  # not told of their own action
    assert [m.to for m in mail.outbox] == [["shoko@example.jp"]]
    assert "件数を書いてください" in mail.outbox[0].body and "/entries/" in mail.outbox[0].body


def test_no_notification_is_sent_when_the_transaction_fails(django_capture_on_commit_callbacks, submitted, reviewer):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.approve(submitted, by=reviewer, version=submitted.version)
            raise RuntimeError("the save failed after the approval")
    assert callbacks == []
    assert Notification.objects.count() == 0 and mail.outbox == []
    assert Entry.objects.get(pk=submitted.pk).state == Entry.State.SUBMITTED


def test_an_approval_is_notified_and_shown_with_an_unread_count_in_the_header(
        client, django_capture_on_commit_callbacks, submitted, reviewer, staff_a):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(submitted, by=reviewer, version=submitted.version)
    client.force_login(staff_a)
    page = client.get(reverse("reviews:round", args=[submitted.round_id])).content.decode()
    assert "未読 1件" in page and "「企業等誘致事業」が承認されました" in page
    client.post(reverse("reviews:notifications-read"))
    assert "未読 1件" not in client.get(reverse("reviews:notifications")).content.decode()


def test_the_conversation_shows_the_return_comment_the_reply_and_further_messages_in_order(
        client, django_capture_on_commit_callbacks, submitted, reviewer, staff_a):
    with django_capture_on_commit_callbacks(execute=True):
        entry = workflow.return_entry(submitted, by=reviewer, version=submitted.version, comment="根拠を教えてください")
    client.force_login(staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:entry-message", args=[entry.pk]), {"body": "事業報告書の数字です"})
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:entry-message", args=[entry.pk]), {"body": "了解しました"})

    assert [item.text for item in conversation.conversation(entry)] == [
        "根拠を教えてください", "事業報告書の数字です", "了解しました",
    ]
    assert Notification.objects.filter(user=reviewer, text__contains="新しいメッセージ").exists()
    assert Notification.objects.filter(user=staff_a, text__contains="新しいメッセージ").exists()
    client.force_login(staff_a)
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert page.index("根拠を教えてください") < page.index("事業報告書の数字です") < page.index("了解しました")


def test_another_department_cannot_read_or_join_the_conversation(client, submitted, staff_b):
    client.force_login(staff_b)
    assert client.post(reverse("reviews:entry-message", args=[submitted.pk]), {"body": "x"}).status_code == 404
    assert submitted.messages.count() == 0


def test_an_empty_message_is_refused_with_a_message(client, submitted, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("reviews:entry-message", args=[submitted.pk]), {"body": "  "}, follow=True)
    assert "メッセージを入力してください" in response.content.decode()


def test_a_message_too_long_is_refused_and_what_was_typed_stays_in_the_box(client, submitted, staff_a):
    client.force_login(staff_a)
    typed = "確認のお願いです。" * 120  # 1,080 characters
    response = client.post(reverse("reviews:entry-message", args=[submitted.pk]), {"body": typed})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1,000文字以内" in page
    box = page[page.index('id="message-body"'):]
    assert box[:box.index("</textarea>")].endswith(typed)
    assert 'aria-describedby="message-body-error"' in box[:300]
    assert submitted.messages.count() == 0


def test_the_conversation_never_appears_in_a_sheet(submitted, staff_a):
    from reviews.sheets.export import round_document

    conversation.post_message(submitted, by=staff_a, body="内部のやりとり")
    assert "内部のやりとり" not in str(round_document(submitted.round, with_memo=True))


# Reminders ----------------------------------------------------------------------------------------

def reminded_departments(sent) -> set[str]:
    return {item.department.name for item in sent}


def test_reminders_go_to_the_departments_with_unfinished_entries_n_days_before_once(open_round, staff_a):
    staff_a.email = "shoko@example.jp"
    staff_a.save()
    # Every entry of 地域保健課 is done: it must not be reminded.
    Entry.objects.filter(round=open_round, project__departments__name="地域保健課").update(state=Entry.State.SUBMITTED)
    day = open_round.deadline - timedelta(days=3)

    sent = send_reminders(day, 3)

    assert "商工観光課" in reminded_departments(sent) and "地域保健課" not in reminded_departments(sent)
    assert any("shoko@example.jp" in m.to for m in mail.outbox)
    assert "あと3日" in next(m for m in mail.outbox if "shoko@example.jp" in m.to).subject
    mail.outbox.clear()
    assert send_reminders(day, 3) == [] and mail.outbox == []  # never twice the same day
    assert send_reminders(day + timedelta(days=1), 3) == []  # not every day either


def test_a_late_department_is_reminded_once_after_its_deadline_and_an_extension_moves_it(open_round, reviewer):
    shoko = Department.objects.get(name="商工観光課")
    from reviews.rounds import life as rounds

    rounds.extend_deadline(open_round, shoko, open_round.deadline + timedelta(days=10), by=reviewer)
    after = open_round.deadline + timedelta(days=1)

    sent = send_reminders(after, 3)

    assert "商工観光課" not in reminded_departments(sent)  # its own deadline is later
    assert "地域保健課" in reminded_departments(sent) and all(item.late for item in sent)
    assert send_reminders(after + timedelta(days=1), 3) == []  # once after the deadline
    assert ReminderLog.objects.filter(department=shoko).count() == 0


def test_the_reminder_command_for_cron(open_round):
    Round.objects.filter(pk=open_round.pk).update(deadline=timezone.localdate() + timedelta(days=2))
    out = StringIO()
    call_command("send_reminders", "--days", "2", stdout=out)
    assert "商工観光課: 期限前のお知らせ" in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--days", "2", stdout=out)
    assert "送信: 0 課" in out.getvalue()


def test_members_of_a_parent_are_reminded_of_their_centres(open_round):
    seishonen = make_user("seishonen_clerk", "青少年課")
    seishonen.email = "seishonen@example.jp"
    seishonen.save()
    send_reminders(open_round.deadline - timedelta(days=3), 3)
    subjects = [m.subject for m in mail.outbox if "seishonen@example.jp" in m.to]
    assert any("青少年課（児童センター）" in s for s in subjects)


def test_a_mail_failure_for_one_department_neither_stops_the_others_nor_counts_as_sent(open_round, monkeypatch):
    for name, login in (("商工観光課", "a"), ("地域保健課", "b")):
        user = make_user(login, name)
        user.email = f"{login}@example.jp"
        user.save()
    real_send = mail_module.send_mail

    def send_mail(subject, body, sender, to):
        if to == ["a@example.jp"]:
            raise OSError("SMTP server down")
        return real_send(subject, body, sender, to)

    monkeypatch.setattr(mail_module, "send_mail", send_mail)
    day = open_round.deadline - timedelta(days=3)

    sent = send_reminders(day, 3)

    assert "地域保健課" in reminded_departments(sent) and "商工観光課" not in reminded_departments(sent)
    assert not ReminderLog.objects.filter(department__name="商工観光課").exists()  # tried again next run
    monkeypatch.setattr(mail_module, "send_mail", real_send)
    assert "商工観光課" in reminded_departments(send_reminders(day, 3))


def test_messages_on_a_round_in_preparation_do_not_reach_the_department(
        django_capture_on_commit_callbacks, reviewer, staff_a, seed):
    from reviews.rounds import life as rounds

    round_ = rounds.create_round(Round.objects.get(fiscal_year=2017), by=reviewer, fiscal_year=2018, title="t",
                                 implementation_heading="h", legend="", deadline=None)
    entry = round_.entries.get(project__name="企業等誘致事業")
    with django_capture_on_commit_callbacks(execute=True):
        conversation.post_message(entry, by=reviewer, body="準備中のメモ")
    assert not Notification.objects.filter(user=staff_a).exists()


def test_a_project_name_with_a_line_break_still_reaches_every_recipient_on_a_one_line_subject(
        django_capture_on_commit_callbacks, submitted, reviewer, staff_a):
    from projects.models import Project

    colleague = make_user("colleague", "商工観光課")
    for user, address in ((staff_a, "shoko@example.jp"), (colleague, "colleague@example.jp")):
        user.email = address
        user.save()
    Project.objects.filter(pk=submitted.project_id).update(name="企業等\n誘致事業")
    entry = Entry.objects.get(pk=submitted.pk)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(entry, by=reviewer, version=entry.version, comment="確認してください")
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@example.jp", "shoko@example.jp"]
    assert all("\n" not in m.subject and "企業等 誘致事業" in m.subject for m in mail.outbox)
    assert MailDelivery.objects.filter(status=MailDelivery.Status.SENT).count() == 2


def test_one_refused_address_is_recorded_and_listed_while_the_others_still_get_theirs(
        django_capture_on_commit_callbacks, submitted, reviewer, staff_a, admin_user, client, monkeypatch):
    colleague = make_user("colleague", "商工観光課")
    staff_a.email, colleague.email = "broken@example.jp", "colleague@example.jp"
    staff_a.save()
    colleague.save()
    real_send = mail_module.send_mail

    def send_mail(subject, body, sender, to):
        if to == ["broken@example.jp"]:
            raise OSError("550 mailbox unavailable")
        return real_send(subject, body, sender, to)

    monkeypatch.setattr(mail_module, "send_mail", send_mail)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(submitted, by=reviewer, version=submitted.version, comment="確認してください")
    assert [m.to for m in mail.outbox] == [["colleague@example.jp"]]
    failed = MailDelivery.objects.get(status=MailDelivery.Status.FAILED)
    assert failed.address == "broken@example.jp" and "550" in failed.error
    assert Notification.objects.filter(user=staff_a).exists()  # the in-app notice is there regardless
    client.force_login(admin_user)
    listing = client.get(reverse("admin:reviews_maildelivery_changelist") + "?status__exact=failed")
    assert "broken@example.jp" in listing.content.decode()


def test_a_reminder_reaches_each_member_even_when_one_address_fails(open_round, monkeypatch):
    for login in ("a1", "a2"):
        user = make_user(login, "商工観光課")
        user.email = f"{login}@example.jp"
        user.save()
    real_send = mail_module.send_mail

    def send_mail(subject, body, sender, to):
        if to == ["a1@example.jp"]:
            raise OSError("SMTP refused")
        return real_send(subject, body, sender, to)

    monkeypatch.setattr(mail_module, "send_mail", send_mail)
    sent = send_reminders(open_round.deadline - timedelta(days=3), 3)
    assert "商工観光課" in reminded_departments(sent)
    assert "a2@example.jp" in [m.to[0] for m in mail.outbox]
    assert MailDelivery.objects.filter(address="a1@example.jp", status=MailDelivery.Status.FAILED,
                                       kind=MailDelivery.Kind.REMINDER).exists()
