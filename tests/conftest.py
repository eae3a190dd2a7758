"""The cast and the data every test story starts from.

One cast of users for every test: two departments' clerks, a member of both departments of a
shared project, two reviewers and an administrator. They are made with tests/factories.py, so they
exist with or without the seed (departments are matched by name when the seed is loaded too).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.demo.seed import create_demo_round, load_seed, read_seed
from reviews.models import Round, forget_strategy_count
from tests.factories import make_user


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


@pytest.fixture
def staff_a(db):
    """A clerk of 商工観光課."""
    return make_user("staff_a", "商工観光課")


@pytest.fixture
def staff_b(db):
    """A clerk of 地域保健課."""
    return make_user("staff_b", "地域保健課")


@pytest.fixture
def staff_ab(db):
    """A member of both departments of the shared project 多世代居住支援事業."""
    return make_user("staff_ab", "都市計画課", "企画課")


@pytest.fixture
def reviewer(db):
    """A planning-division reviewer (a member of 企画課 too)."""
    return make_user("reviewer", "企画課", reviewer=True)


@pytest.fixture
def reviewer2(db):
    """A second reviewer, who approves what the first one wrote."""
    return make_user("reviewer2", "企画課", reviewer=True)


@pytest.fixture
def admin_user(db):
    return make_user("administrator", admin=True)


@pytest.fixture(autouse=True)
def strategies_counted_afresh():
    # reviews.models.several_strategies keeps its count until a request or a saved strategy; a
    # test's strategies vanish with its transaction, without a signal.
    forget_strategy_count()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests only need it to be a hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    # Summaries and progress are kept in each process (reviews.kept); each test starts without
    # another test's, and without anything in Django's cache.
    from django.core.cache import cache

    from reviews.kept import forget_all
    from reviews.public.cache import forget

    cache.clear()
    forget()
    forget_all()
