"""The demo's one recorded change, so that a new user sees the strategy's memory at work: the
seed's キッズアカデミー was renamed ジュニアエコノミースクール (its FY2017 text says so), recorded here
from FY2018, so the published FY2017 round keeps the old name and the open FY2018 round shows the new."""

from django.contrib.auth import get_user_model

from projects.models import Change, Project
from reviews.changes.projects import rename_project

OLD_NAME = "キッズアカデミー（子供向け経済・産業講座）"
NEW_NAME = "ジュニアエコノミースクール（子供向け経済・産業講座）"
YEAR = 2018


def record_demo_changes() -> int:
    """Rename the project once (nothing when it was renamed already or is missing); returns how many changes."""
    project = Project.objects.filter(name=OLD_NAME, active=True).first()
    admin = get_user_model().objects.filter(username="admin", is_superuser=True).first()
    if project is None or admin is None or Change.objects.filter(projects=project).exists():
        return 0
    rename_project(project, name=NEW_NAME, year=YEAR, by=admin,
                   reason="平成29年度からジュニアエコノミースクールとして実施（平成29年度の実施内容のとおり）。デモ用の記録です。")
    return 1
