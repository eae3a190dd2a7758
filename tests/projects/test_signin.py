"""Signing in: ten wrong passwords lock that login from that address for fifteen minutes, never
the colleague at the next desk behind the same proxy; an administrator can unlock it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from projects.signin import client_ip

pytestmark = pytest.mark.django_db

OFFICE = "10.1.2.3"  # the whole department's proxy address


def sign_in(client, username: str, password: str, address: str = OFFICE, url: str = "login"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=address)


def ten_wrong_passwords(client, username: str, address: str = OFFICE, url: str = "login") -> None:
    for _ in range(10):
        sign_in(client, username, "wrong-password", address, url)


def test_ten_wrong_passwords_lock_that_user_on_that_address_and_say_when_to_try_again(client, staff_a):
    for attempt in range(9):
        response = sign_in(client, "staff_a", "wrong-password")
        assert response.status_code == 200, attempt  # the form again, with its message
    locked = sign_in(client, "staff_a", "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "ログインを一時停止しています" in page and "15 分間" in page
    retry = timezone.localtime(AccessAttempt.objects.get().attempt_time + timedelta(minutes=15))
    assert retry.strftime("%Y年%-m月%-d日 %H時%M分") in page  # Asia/Tokyo, with the year
    # Even the right password is refused now.
    assert sign_in(client, "staff_a", "pass-for-tests").status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_colleague_at_the_next_desk_and_the_same_user_elsewhere_still_sign_in(client, staff_a, staff_b):
    ten_wrong_passwords(client, "staff_a")
    assert sign_in(client, "staff_b", "pass-for-tests").status_code == 302  # same proxy, other login
    client.logout()
    assert sign_in(client, "staff_a", "pass-for-tests", address="10.9.9.9").status_code == 302


def test_after_fifteen_minutes_the_right_password_works_again(client, staff_a):
    ten_wrong_passwords(client, "staff_a")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "staff_a", "pass-for-tests").status_code == 302


def test_the_admins_sign_in_is_throttled_the_same_way(client, admin_user):
    ten_wrong_passwords(client, "administrator", url="admin:login")
    assert sign_in(client, "administrator", "pass-for-tests", url="admin:login").status_code == 429


def test_an_administrator_unlocks_a_user_in_the_admin(client, staff_a, admin_user):
    ten_wrong_passwords(client, "staff_a")
    admin = type(client)()
    admin.force_login(admin_user)
    attempt = AccessAttempt.objects.get(username="staff_a")
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "staff_a" in listing.content.decode()
    admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "staff_a", "pass-for-tests").status_code == 302


def test_the_lockout_page_meets_the_content_security_policy(client, staff_a):
    ten_wrong_passwords(client, "staff_a")
    response = sign_in(client, "staff_a", "wrong-password")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    page = response.content.decode()
    assert "<script>" not in page and "style=" not in page


class FakeRequest:
    def __init__(self, remote: str, forwarded: str = ""):
        self.META = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}


@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
def test_the_address_comes_from_the_trusted_proxy_and_never_from_a_header_anyone_can_send():
    assert client_ip(FakeRequest("10.0.0.5", "192.168.1.20")) == "192.168.1.20"
    assert client_ip(FakeRequest("10.0.0.5", "1.2.3.4, 192.168.1.20")) == "192.168.1.20"  # the proxy appends
    assert client_ip(FakeRequest("192.168.1.99", "10.7.7.7")) == "192.168.1.99"  # not the proxy: ignored


@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
def test_behind_the_proxy_two_people_are_counted_apart(client, staff_a):
    for _ in range(10):
        client.post(reverse("login"), {"username": "staff_a", "password": "x"}, REMOTE_ADDR="10.0.0.5",
                    HTTP_X_FORWARDED_FOR="192.168.1.20")
    response = client.post(reverse("login"), {"username": "staff_a", "password": "pass-for-tests"},
                           REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.168.1.21")
    assert response.status_code == 302
