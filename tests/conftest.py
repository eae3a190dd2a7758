"""The cast and the data every test story starts from."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from projects.access import REVIEWER_GROUP, ensure_reviewer_group
from projects.models import Department, Membership
from reviews.demo.seed import create_demo_round, load_seed, read_seed
from reviews.models import Round


@pytest.fixture
def seed_data() -> dict:
    """The seed JSON as committed in fixtures/."""
    return read_seed()


@pytest.fixture
def seed(db):
    """The real FY2016–17 sheet loaded into the database."""
    return load_seed()


@pytest.fixture
def open_round(seed):
    """FY2018 opened after the seed's round, as load_demo does: 68 draft entries, deadline in 30 days."""
    round_, _ = create_demo_round(Round.objects.get(fiscal_year=2017), 2018, "平成30年度の実施内容",
                                  "平成30年度 実施事業評価", deadline=timezone.localdate() + timedelta(days=30))
    return round_


def make_user(username: str, *departments: str, reviewer: bool = False, admin: bool = False):
    User = get_user_model()
    user = User.objects.create_user(
        username=username, password="pass-for-tests", is_staff=reviewer or admin, is_superuser=admin
    )
    for name in departments:
        Membership.objects.create(user=user, department=Department.objects.get(name=name))
    if reviewer:
        ensure_reviewer_group()
        user.groups.add(user.groups.model.objects.get(name=REVIEWER_GROUP))
    return user


@pytest.fixture
def staff_a(seed):
    """A clerk of 商工観光課."""
    return make_user("staff_a", "商工観光課")


@pytest.fixture
def staff_b(seed):
    """A clerk of 地域保健課."""
    return make_user("staff_b", "地域保健課")


@pytest.fixture
def staff_ab(seed):
    """A member of both departments of the shared project 多世代居住支援事業."""
    return make_user("staff_ab", "都市計画課", "企画課")


@pytest.fixture
def reviewer(seed):
    return make_user("reviewer", "企画課", reviewer=True)


@pytest.fixture
def admin_user(seed):
    return make_user("administrator", admin=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests only need it to be a hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
