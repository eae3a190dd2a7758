"""What every signed-in request costs before its page does anything: the session and the user
(with their profile and role) read in two queries, and the session written only when it changed
or its idle expiry has fallen a minute behind (issue 15: every server shares one database)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.sessions import REFRESH_AFTER, SessionStore

pytestmark = pytest.mark.django_db


def sql_of(request) -> tuple:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return response, [q["sql"] for q in queries.captured_queries]


def writes(sql: list[str]) -> list[str]:
    return [q for q in sql if q.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def test_a_page_reads_the_user_their_profile_and_role_in_one_query(client, staff_a, reviewer):
    for user, is_reviewer in ((staff_a, False), (reviewer, True)):
        client.force_login(user)
        client.get("/")
        response, sql = sql_of(lambda: client.get("/"))
        assert response.status_code == 200
        assert response.wsgi_request.user == user
        assert response.wsgi_request.user._is_reviewer is is_reviewer
        assert sum('FROM "auth_user"' in q for q in sql) == 1
        assert not any('FROM "projects_staffprofile"' in q for q in sql)
        assert not any(q.startswith('SELECT 1 AS "a" FROM "auth_group"') for q in sql)


def test_a_session_is_not_written_on_every_page(client, staff_a):
    client.force_login(staff_a)
    client.get("/")
    stored = Session.objects.get().expire_date
    response, sql = sql_of(lambda: client.get("/"))
    assert response.status_code == 200
    assert writes(sql) == []
    assert Session.objects.get().expire_date == stored


def test_a_session_idle_a_minute_moves_its_expiry_forward(client, staff_a, settings):
    client.force_login(staff_a)
    client.get("/")
    # As if the last write had been more than a minute ago.
    earlier = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE) - REFRESH_AFTER - timedelta(seconds=5)
    Session.objects.update(expire_date=earlier)
    response, sql = sql_of(lambda: client.get("/"))
    assert response.status_code == 200
    assert any('UPDATE "django_session"' in q for q in writes(sql))
    assert Session.objects.get().expire_date > earlier + REFRESH_AFTER
    assert response.wsgi_request.user == staff_a


def test_a_session_past_its_idle_limit_is_signed_out(client, staff_a):
    client.force_login(staff_a)
    client.get("/")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_what_is_put_in_a_session_is_written_at_once(client, staff_a):
    """A change (a sign-in, a message kept for the next page) is never held back by the minute."""
    client.force_login(staff_a)
    client.get("/")
    key = client.cookies["sessionid"].value
    session = SessionStore(key)
    session["probe"] = "書いた"
    session.save()
    assert Session.objects.get(session_key=key).get_decoded()["probe"] == "書いた"
    assert client.get("/").wsgi_request.user == staff_a


def test_signing_in_with_the_password_and_signing_out(client, staff_a):
    staff_a.set_password("pass-1234-word")
    staff_a.save()
    response = client.post(reverse("login"), {"username": staff_a.username, "password": "pass-1234-word"})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == staff_a
    key = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_a_user_an_administrator_deactivates_is_signed_out_on_their_next_page(client, staff_a):
    client.force_login(staff_a)
    client.get("/")
    staff_a.is_active = False
    staff_a.save()
    response = client.get("/")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_password_an_administrator_resets_signs_the_user_out_within_the_minute(client, staff_a):
    client.force_login(staff_a)
    client.get("/")
    staff_a.set_password("new-pass-5678")
    staff_a.save()
    response = client.get("/")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_reviewer_removed_from_the_group_loses_the_queue_on_their_next_page(client, reviewer, open_round):
    from projects.access import Role, set_role

    queue = reverse("reviews:queue", args=[open_round.pk])
    client.force_login(reviewer)
    assert client.get(queue).status_code == 200
    set_role(reviewer, Role.STAFF)
    assert client.get(queue).status_code in (403, 404)
