"""Every page opens for every role without a server error: each app URL (GET and an empty POST),
and each admin list, add and change page, as a visitor, two clerks, a reviewer and an administrator."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects.models import Change, Department, Kpi, KpiTarget, Project, RatingScale
from reviews.changes.departments import merge_departments
from reviews.changes.projects import rename_project
from reviews.models import Answer, Entry, KpiActual, Opinion, Round
from reviews.rounds import life
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff_a", "staff_ab", "reviewer", "admin_user"]


@pytest.fixture
def people(staff_a, staff_ab, reviewer, admin_user):
    return {"anonymous": None, "staff_a": staff_a, "staff_ab": staff_ab, "reviewer": reviewer, "admin_user": admin_user}


def app_routes(resolver=None, prefix="") -> list[tuple[str, str]]:
    """(namespaced url name, route) for every named app URL outside the admin."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            found += [(namespace + name, route) for name, route in app_routes(pattern, prefix + str(pattern.pattern))]
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((pattern.name, prefix + str(pattern.pattern)))
    return found


@pytest.fixture
def committee_loop(open_round):
    """An opinion on the published FY2017 round and its answer in the open FY2018 round."""
    project = Project.objects.get(name="企業等誘致事業")
    opinion = Opinion.objects.create(round=Round.objects.get(fiscal_year=2017), subject=Opinion.Subject.PROJECT,
                                     project=project, text="成果を数字で示してください。")
    opinion.departments.set(project.departments.all())
    life.create_answers(open_round)
    # A KPI with a yearly target and a rating scale, so that their admin pages open too.
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT, project=project, name="誘致件数",
                             unit="件", direction=Kpi.Direction.HIGHER, baseline_value=2, baseline_year=2014,
                             target_value=10, target_year=2019, department=project.departments.first())
    KpiTarget.objects.create(kpi=kpi, year=2017, value=6)
    RatingScale.objects.create(strategy=open_round.strategy)
    Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.GOAL, goal=project.policy.goal, name="事業所数",
                       unit="所", direction=Kpi.Direction.HIGHER, baseline_value=1, baseline_year=2014,
                       target_value=2, target_year=2019, department=project.departments.first())
    # The strategy's memory: two departments merged from FY2019 and a project renamed, so that the
    # history pages, change records and ended departments have something to show.
    admin_user = get_user_model().objects.filter(is_superuser=True).first() or make_user("smoke_admin", admin=True)
    merge_departments([Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")],
                      new_name="産業保健部", year=2019, by=admin_user, reason="組織改正")
    rename_project(Project.objects.get(name="企業等誘致事業"), name="企業誘致推進事業", year=2019, by=admin_user,
                   reason="名称変更")
    return opinion


def urls_for(name: str, route: str) -> list[str]:
    """The URL filled in with real objects: every round (so every state the seed and demo hold),
    an entry of each round, every opinion and answer."""
    if "<slug:strategy>/<fiscal_year:year>" in route:  # the public side: every round, published or not (404)
        return [reverse(name, args=[r.strategy.code, r.fiscal_year]) for r in Round.objects.all()]
    if route.startswith("public/projects/") or route.startswith("projects/"):
        return [reverse(name, args=[e.project_id])
                for e in Entry.objects.filter(project__name__in=["企業誘致推進事業", "企業等誘致事業"])]
    if route.startswith("kpi-reports/"):
        args = [[a.pk, "approve"] if "<str:action>" in route else [a.pk] for a in KpiActual.objects.filter(entry=None)]
        return [reverse(name, args=a) for a in args]
    if route.startswith("answers/"):
        args = [[a.pk, "approve"] if "<str:action>" in route else [a.pk] for a in Answer.objects.all()]
        return [reverse(name, args=a) for a in args]
    if route.startswith("changes/departments/"):
        return [reverse(name, args=[d.pk]) for d in Department.objects.filter(changes__isnull=False).distinct()]
    if route.startswith("changes/<int:pk>"):
        return [reverse(name, args=[c.pk]) for c in Change.objects.all()]
    if route.startswith("opinions/"):
        return [reverse(name, args=[o.pk]) for o in Opinion.objects.all()]
    if "<str:action>" in route:
        return [reverse(name, args=[r.pk, "close"]) for r in Round.objects.all()]
    if "<int:pk>" not in route:
        return [reverse(name)]
    if route.startswith("entries/"):
        return [reverse(name, args=[Entry.objects.filter(round=r).first().pk]) for r in Round.objects.all()]
    return [reverse(name, args=[r.pk]) for r in Round.objects.all()]


@pytest.mark.parametrize("role", ROLES)
def test_every_app_page_opens_for_every_role_without_a_server_error(client, open_round, committee_loop, people, role):
    if people[role]:
        client.force_login(people[role])
    failures = []
    for name, route in app_routes():
        for url in urls_for(name, route):
            for method in (client.get, client.post):
                status = method(url).status_code
                if status >= 500:
                    failures.append(f"{method.__name__.upper()} {url}: {status}")
    assert failures == []


def admin_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls += [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls += [reverse(f"{base}_change", args=[first.pk]), reverse(f"{base}_history", args=[first.pk])]
    urls += [reverse("admin:index"), reverse("admin:auth_user_import_staff"), reverse("admin:reviews_round_load_sheet")]
    for round_ in Round.objects.all():
        urls += [reverse("admin:reviews_round_sheet", args=[round_.pk]), reverse("admin:reviews_round_upload", args=[round_.pk])]
    for resource_admin in ("projects_department", "projects_goal", "projects_policy", "projects_project", "reviews_entry"):
        urls.append(reverse(f"admin:{resource_admin}_export"))
    for resource_admin in ("projects_department", "projects_goal", "projects_policy", "projects_project"):
        urls.append(reverse(f"admin:{resource_admin}_import"))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_opens_for_every_role_without_a_server_error(client, open_round, committee_loop, people, role):
    if people[role]:
        client.force_login(people[role])
    failures = [f"{url}: {status}" for url in admin_urls() if (status := client.get(url).status_code) >= 500]
    assert failures == []


def test_the_administrator_reaches_the_user_list_with_the_staff_import_and_the_password_action(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:auth_user_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("admin:auth_user_import_staff") in html and "初期パスワードを発行する" in html
