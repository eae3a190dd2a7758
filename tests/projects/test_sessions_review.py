"""Signing in, staying signed in and signing out, tried as a newcomer and as an attacker would,
with the session written only when it changed or once a minute (projects.sessions) and the user
read in one query (projects.signin.StaffBackend)."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.access import Role, set_role
from projects.models import StaffProfile
from projects.sessions import REFRESH_AFTER, SessionStore

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"  # tests/factories.make_user
NEW_PASSWORD = "kasumigaura-2026-haru"


def sign_in(client: Client, username: str, password: str = PASSWORD, url: str = "login"):
    return client.post(reverse(url), {"username": username, "password": password})


def key_of(client: Client) -> str:
    return client.cookies["sessionid"].value


def with_cookie(key: str) -> Client:
    """Another browser, holding someone else's session cookie."""
    other = Client()
    other.cookies["sessionid"] = key
    return other


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def signed_in_sessions_of(user) -> list[Session]:
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk)]


@contextmanager
def clock(start: datetime):
    """Time as Django's sessions see it, moved by hand: clock[0] += timedelta(...)."""
    now = [start]
    with mock.patch("django.utils.timezone.now", side_effect=lambda: now[0]):
        yield now


# An attacker's cookie ------------------------------------------------------------------------

def test_a_cookie_planted_before_sign_in_is_worth_nothing_after_it(client, staff_a):
    """Session fixation: the key a browser held before signing in is replaced and deleted."""
    planted = SessionStore()
    planted["planted"] = "by an attacker"
    planted.create()
    client.cookies["sessionid"] = planted.session_key

    assert sign_in(client, "staff_a").status_code == 302
    assert key_of(client) != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    assert sent_to_sign_in(with_cookie(planted.session_key).get("/"))
    assert client.get("/").wsgi_request.user == staff_a


def test_a_made_up_cookie_signs_no_one_in_and_is_not_adopted(client, staff_a):
    client.cookies["sessionid"] = "x" * 32
    assert sent_to_sign_in(client.get("/"))
    assert sign_in(client, "staff_a").status_code == 302
    assert key_of(client) != "x" * 32
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_the_session_records_the_staff_backend_and_the_password_hash(client, staff_a):
    sign_in(client, "staff_a")
    stored = Session.objects.get(session_key=key_of(client)).get_decoded()
    assert stored[BACKEND_SESSION_KEY] == "projects.signin.StaffBackend"
    assert stored[HASH_SESSION_KEY] == staff_a.get_session_auth_hash()


def test_a_session_from_before_the_release_signs_in_again_once(client, staff_a):
    """Sessions signed in through Django's ModelBackend name a backend no longer listed."""
    old = SessionStore()
    old[SESSION_KEY] = str(staff_a.pk)
    old[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    old[HASH_SESSION_KEY] = staff_a.get_session_auth_hash()
    old.create()
    client.cookies["sessionid"] = old.session_key

    assert sent_to_sign_in(client.get("/"))
    assert sign_in(client, "staff_a").status_code == 302
    # Django keeps the key when the session already names this user with this password (it is
    # their own session); it now names the staff backend.
    assert Session.objects.get(session_key=key_of(client)).get_decoded()[BACKEND_SESSION_KEY] == (
        "projects.signin.StaffBackend")
    assert client.get("/").wsgi_request.user == staff_a


# Signing out ---------------------------------------------------------------------------------

def test_a_user_who_signs_out_cannot_come_back_with_the_old_cookie(client, staff_a):
    sign_in(client, "staff_a")
    client.get("/")  # a page within the minute: nothing written
    key = key_of(client)

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert key_of(client) == ""  # the browser is told to forget it
    assert not Session.objects.filter(session_key=key).exists()  # and the server has
    assert sent_to_sign_in(with_cookie(key).get("/"))
    assert not signed_in_sessions_of(staff_a)


def test_a_page_still_in_flight_never_brings_back_a_signed_out_session(client, staff_a):
    """One tab signs out while another tab's page is being made: whether that page's session is
    due to be written or not, it is not written back."""
    start = timezone.now()
    with clock(start) as now:
        sign_in(client, "staff_a")
        key = key_of(client)
        in_flight = SessionStore(key)
        assert in_flight.get(SESSION_KEY) == str(staff_a.pk)
        Session.objects.filter(session_key=key).delete()  # signed out in the other tab
        in_flight.save()  # nothing changed, within the minute: skipped
        assert not Session.objects.filter(session_key=key).exists()

        sign_in(client, "staff_a")
        key = key_of(client)
        in_flight = SessionStore(key)
        assert in_flight.get(SESSION_KEY) == str(staff_a.pk)
        now[0] = start + 2 * REFRESH_AFTER  # its expiry is due to move
        Session.objects.filter(session_key=key).delete()
        with pytest.raises(UpdateError):  # the middleware answers SessionInterrupted (400), as Django does
            in_flight.save()
        assert not Session.objects.filter(session_key=key).exists()


# Changing one's password ---------------------------------------------------------------------

def change_password(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD):
    return client.post(reverse("password_change"),
                       {"old_password": old, "new_password1": new, "new_password2": new})


def test_changing_my_password_keeps_me_signed_in_and_signs_out_my_other_browsers(client, staff_a):
    other_desk = Client()
    sign_in(other_desk, "staff_a")
    sign_in(client, "staff_a")
    client.get("/")
    before = key_of(client)

    response = change_password(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert key_of(client) != before  # a new key with the new password's hash
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/").wsgi_request.user == staff_a

    assert sent_to_sign_in(other_desk.get("/"))
    assert sent_to_sign_in(with_cookie(before).get("/"))
    assert len(signed_in_sessions_of(staff_a)) == 1
    assert sign_in(Client(), "staff_a", NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, staff_a):
    sign_in(client, "staff_a")
    key = key_of(client)
    assert change_password(client, old="not-my-password").status_code == 200
    assert key_of(client) == key
    assert client.get("/").wsgi_request.user == staff_a
    staff_a.refresh_from_db()
    assert staff_a.check_password(PASSWORD)


# The initial password ------------------------------------------------------------------------

def test_a_newcomer_with_an_initial_password_changes_it_first_and_then_works(client, staff_a, settings):
    # Messages kept in the session, so that the minute's skipped writes would lose them if they could.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    StaffProfile.objects.create(user=staff_a, must_change_password=True)
    assert sign_in(client, "staff_a").status_code == 302

    for page in ("/", reverse("settings"), reverse("admin:index")):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == reverse("password_change"), page
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "初期パスワードのままです" in page.content.decode()

    assert change_password(client).status_code == 302
    assert not StaffProfile.objects.get(user=staff_a).must_change_password
    home = client.get("/")
    assert home.status_code == 200 and home.wsgi_request.user == staff_a
    assert "パスワードを変更しました" in home.content.decode()
    again = client.get("/")  # the message was taken off the session once shown
    assert again.status_code == 200 and "パスワードを変更しました" not in again.content.decode()
    assert client.get(reverse("settings")).status_code == 200


def test_an_administrator_asking_for_a_new_password_sends_the_user_there_on_their_next_page(client, staff_a):
    sign_in(client, "staff_a")
    assert client.get("/").status_code == 200
    StaffProfile.objects.update_or_create(user=staff_a, defaults={"must_change_password": True})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")


def test_a_user_without_a_profile_row_works_and_gets_one_from_their_settings(client, staff_a):
    assert not StaffProfile.objects.filter(user=staff_a).exists()
    sign_in(client, "staff_a")
    response = client.get("/")
    assert response.status_code == 200 and response.wsgi_request.user == staff_a
    assert client.get(reverse("settings")).status_code == 200
    assert StaffProfile.objects.filter(user=staff_a, must_change_password=False).exists()
    assert client.get("/").status_code == 200


# Wrong passwords -----------------------------------------------------------------------------

def test_ten_wrong_passwords_lock_the_login_before_the_staff_backend_is_asked(client, staff_a):
    for _ in range(10):
        sign_in(client, "staff_a", "wrong-password")
    assert sign_in(client, "staff_a").status_code == 429
    assert "_auth_user_id" not in client.session
    assert not signed_in_sessions_of(staff_a)
    with mock.patch("projects.signin.StaffBackend.authenticate") as backend:
        assert sign_in(client, "staff_a").status_code == 429
    backend.assert_not_called()


def test_a_deactivated_user_cannot_sign_in_even_with_the_right_password(client, staff_a):
    staff_a.is_active = False
    staff_a.save()
    response = sign_in(client, "staff_a")
    assert response.status_code == 200  # the form again
    assert not signed_in_sessions_of(staff_a)


# The idle limit ------------------------------------------------------------------------------

def test_someone_working_steadily_stays_signed_in_past_the_idle_limit(client, staff_a, settings):
    settings.SESSION_COOKIE_AGE = 5 * 60
    with clock(timezone.now()) as now:
        client.force_login(staff_a)
        for _ in range(15):  # a page every 50 seconds for twelve and a half minutes
            now[0] += timedelta(seconds=50)
            response = client.get("/")
            assert response.status_code == 200 and response.wsgi_request.user == staff_a


def test_a_session_idle_longer_than_the_limit_is_refused_even_after_unwritten_pages(client, staff_a, settings):
    settings.SESSION_COOKIE_AGE = 5 * 60
    with clock(timezone.now()) as now:
        client.force_login(staff_a)
        now[0] += timedelta(seconds=30)
        assert client.get("/").status_code == 200  # within the minute: not written
        now[0] += timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
        assert sent_to_sign_in(client.get("/"))


def test_the_idle_limit_is_kept_to_within_the_minute_early_and_never_late(staff_a, settings):
    """A page whose write was skipped does not move the expiry: the session then ends up to
    REFRESH_AFTER before the idle limit counted from that page, and never after it."""
    settings.SESSION_COOKIE_AGE = age = 5 * 60
    start = timezone.now()
    last_page = start + timedelta(seconds=50)
    browsers = {"early": Client(), "within": Client(), "late": Client()}
    with clock(start) as now:
        for browser in browsers.values():
            browser.force_login(staff_a)
        now[0] = last_page
        for browser in browsers.values():
            assert browser.get("/").status_code == 200  # within the minute: not written
        stored = {s.expire_date for s in Session.objects.all()}
        assert stored == {start + timedelta(seconds=age)}

        now[0] = last_page + timedelta(seconds=age) - REFRESH_AFTER
        assert browsers["within"].get("/").status_code == 200
        now[0] = last_page + timedelta(seconds=age) - timedelta(seconds=40)
        assert sent_to_sign_in(browsers["early"].get("/"))  # 40 s short of the limit: 10 s early
        now[0] = last_page + timedelta(seconds=age + 1)
        assert sent_to_sign_in(browsers["late"].get("/"))


# What is put in the session ------------------------------------------------------------------

def test_a_message_kept_in_the_session_is_shown_once_within_the_minute(client, reviewer, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    client.force_login(reviewer)
    client.get("/")
    response = client.post(reverse("settings"), {})
    assert response.status_code == 302
    assert "_messages" in Session.objects.get(session_key=key_of(client)).get_decoded()
    shown = client.get(reverse("settings"))
    assert "設定を保存しました" in shown.content.decode()
    assert "設定を保存しました" not in client.get(reverse("settings")).content.decode()


def test_a_value_changed_in_place_is_written_only_when_the_session_is_marked_modified(client, staff_a):
    """The contract the minute brings: with SESSION_SAVE_EVERY_REQUEST alone, Django would write
    request.session["x"]["y"] = ... on the next save; this store writes it only if the code sets
    request.session.modified = True (nothing in the project or its apps changes a value in place)."""
    client.force_login(staff_a)
    key = key_of(client)
    first = SessionStore(key)
    first["cart"] = {"items": []}
    first.save()

    in_place = SessionStore(key)
    in_place["cart"]["items"].append("lost")
    in_place.save()
    assert SessionStore(key)["cart"] == {"items": []}

    marked = SessionStore(key)
    marked["cart"]["items"].append("kept")
    marked.modified = True
    marked.save()
    assert SessionStore(key)["cart"] == {"items": ["kept"]}


# The admin and roles -------------------------------------------------------------------------

def test_the_administrator_signs_in_to_the_admin_and_works_there(client, admin_user, staff_a):
    response = sign_in(client, "administrator", url="admin:login")
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_user_change", args=[staff_a.pk])).status_code == 200
    client.post(reverse("admin:logout"))
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_administrator_changing_their_own_password_in_the_admin_stays_signed_in(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_password_change", args=[admin_user.pk]),
                           {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_clerk_is_kept_out_of_the_admin(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_clerk_made_reviewer_sees_the_reviewers_pages_on_their_next_page(client, staff_a, open_round):
    queue = reverse("reviews:queue", args=[open_round.pk])
    client.force_login(staff_a)
    assert client.get(queue).status_code in (403, 404)
    set_role(staff_a, Role.REVIEWER)
    response = client.get(queue)
    assert response.status_code == 200 and response.wsgi_request.user._is_reviewer is True
