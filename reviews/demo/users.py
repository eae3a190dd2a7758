"""Demo users for every role, for trying the system out and for the browser tests."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from projects.access import Role, set_memberships, set_role
from projects.models import Department

DEMO_PASSWORD = "iruma-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    last_name: str
    first_name: str
    departments: tuple[str, ...]
    role: str
    reviewer: bool = False
    administrator: bool = False

    @property
    def role_value(self) -> Role:
        return Role.ADMIN if self.administrator else Role.REVIEWER if self.reviewer else Role.STAFF


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("shoko", "商工", "花子", ("商工観光課",), "担当課職員（商工観光課）"),
    DemoUser("toshi", "都市", "健一", ("都市計画課", "企画課"),
             "担当課職員（都市計画課と企画課: 多世代居住支援事業を共同で担当）"),
    DemoUser("seishonen", "青少", "年男", ("青少年課",), "担当課職員（青少年課: 二つのセンターを含む）"),
    DemoUser("kikaku1", "企画", "一郎", ("企画課",), "企画課 審査担当", reviewer=True),
    DemoUser("kikaku2", "企画", "二美", ("企画課",), "企画課 審査担当", reviewer=True),
    DemoUser("admin", "管理", "者", (), "システム管理者", administrator=True),
)

@transaction.atomic
def create_demo_users() -> list[tuple[DemoUser, bool]]:
    """Create each demo user that is missing; an existing user (and their password) is left alone."""
    User = get_user_model()
    results = []
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={"last_name": demo.last_name, "first_name": demo.first_name},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            set_role(user, demo.role_value)
            set_memberships(user, Department.objects.filter(name__in=demo.departments))
        results.append((demo, created))
    return results
