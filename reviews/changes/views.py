"""Administrators' guided actions (組織・事業の変更): a form, a preview of what the change does,
then the change on confirmation. A confirmation applies exactly what was previewed: if the form
changed since, the preview is shown again. Histories of departments are shown here too."""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from projects.access import is_administrator, reach_ids_of, sees_everything
from projects.fiscal_year import format_fiscal_year_with_western
from projects.forms import as_id
from projects.models import Change, Department, Strategy
from reviews.changes import carry, departments, projects
from reviews.changes.common import ChangeError
from reviews.changes.forms import (
    CarryForm,
    CarryMappingForm,
    DepartmentMergeForm,
    DepartmentRenameForm,
    DepartmentSplitForm,
    ProjectDepartmentsForm,
    ProjectMergeForm,
    ProjectRenameForm,
    ProjectRetireForm,
    SplitAssignmentForm,
)
from reviews.changes.history import department_history

# The actions, in the order the home page lists them: url name, title, what it does.
CHANGE_ACTIONS = (
    ("changes-department-rename", "部署の名称変更", "部署の名前を、ある年度から変えます。"),
    ("changes-department-merge", "部署の統合", "2つ以上の部署を、既存の部署か新しい部署にまとめます。"),
    ("changes-department-split", "部署の分割", "1つの部署を2つ以上に分け、事業・職員・係をどこが引き継ぐか選びます。"),
    ("changes-project-departments", "事業の担当課の変更", "事業をほかの課に移します（主管課・担当課の変更）。"),
    ("changes-project-rename", "事業の名称変更", "事業の名前を、ある年度から変えます。"),
    ("changes-project-merge", "事業の統合", "事業をほかの事業にまとめます（統合した方は終了）。"),
    ("changes-project-retire", "事業の終了", "事業を、ある年度から評価に含めないようにします。"),
    ("changes-strategy-carry", "次期総合戦略への引継ぎ", "新しい総合戦略の基本目標・基本施策を作り、事業を引き継ぐか終了します。"),
)
TITLES = {name: title for name, title, _ in CHANGE_ACTIONS}


def _require_administrator(user) -> None:
    if not is_administrator(user):
        raise PermissionDenied("組織・事業の変更は管理者だけが行えます。")


def _fingerprint(request: HttpRequest) -> str:
    """What the form held when it was previewed (not a secret: the check is that it did not change)."""
    data = {key: request.POST.getlist(key) for key in sorted(request.POST)
            if key not in ("csrfmiddlewaretoken", "confirm", "previewed", "step")}
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _confirming(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "yes" and request.POST.get("previewed") == _fingerprint(request)


def _done(request: HttpRequest, outcome) -> HttpResponse:
    messages.success(request, f"{outcome.change.get_kind_display()}を行いました（{outcome.change.effective_year_label}から）。")
    return redirect("reviews:changes-record", pk=outcome.change.pk)


def _page(request: HttpRequest, url_name: str, form, preview, **extra) -> HttpResponse:
    return render(request, "reviews/changes/action.html", {
        "title": TITLES[url_name], "url_name": url_name, "form": form, "preview": preview,
        "previewed": _fingerprint(request) if preview else "", **extra,
    })


def _simple(request: HttpRequest, url_name: str, form_class, run) -> HttpResponse:
    """A one-form action: fill in, preview, confirm."""
    _require_administrator(request.user)
    form = form_class(request.POST or None, initial=request.GET.dict() if request.method == "GET" else None)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            if _confirming(request):
                return _done(request, run(form.cleaned_data, by=request.user, dry_run=False))
            preview = run(form.cleaned_data, by=request.user, dry_run=True)
        except ChangeError as error:
            form.add_error(None, error.message)
    return _page(request, url_name, form, preview)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _require_administrator(request.user)
    return render(request, "reviews/changes/home.html", {
        "actions": CHANGE_ACTIONS,
        "current": Department.objects.filter(last_year__isnull=True).order_by("name"),
        "ended": Department.objects.filter(last_year__isnull=False).order_by("-last_year", "name"),
        "changes": Change.objects.select_related("made_by")[:50],
    })


@login_required
def change_record(request: HttpRequest, pk: int) -> HttpResponse:
    _require_administrator(request.user)
    change = Change.objects.select_related("made_by").filter(pk=pk).first() if 0 < pk < 2**63 else None
    if change is None:
        raise Http404("変更の記録が見つかりません。")
    return render(request, "reviews/changes/record.html", {
        "change": change, "departments": change.departments.order_by("name"),
        "projects": change.projects.select_related("policy__goal__strategy").order_by("pk"),
    })


@login_required
def department_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A department's history: its names, whom it took over from and who took over from it, and
    the changes it was part of. Reviewers, administrators and its own members see it."""
    department = Department.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    # Its own members, and those of the departments that took over from it (they follow its links).
    if department is None or not (sees_everything(request.user) or department.pk in reach_ids_of(request.user)):
        raise Http404("部署が見つかりません。")
    return render(request, "reviews/changes/department.html", {
        "department": department, "history": department_history(department),
        "last_year_label": format_fiscal_year_with_western(department.last_year) if department.last_year else "",
        "administrator": is_administrator(request.user),
    })


@login_required
def department_rename(request: HttpRequest) -> HttpResponse:
    return _simple(request, "changes-department-rename", DepartmentRenameForm, lambda d, **kw: departments.rename_department(
        d["department"], name=d["name"], year=d["year"], reason=d["reason"], **kw))


@login_required
def department_merge(request: HttpRequest) -> HttpResponse:
    return _simple(request, "changes-department-merge", DepartmentMergeForm, lambda d, **kw: departments.merge_departments(
        list(d["departments"]), into=d["into"], new_name=d["new_name"], year=d["year"], reason=d["reason"], **kw))


@login_required
def project_departments(request: HttpRequest) -> HttpResponse:
    return _simple(request, "changes-project-departments", ProjectDepartmentsForm,
                   lambda d, **kw: departments.change_project_departments(
                       d["project"], [d["lead"], d["second"], d["third"]], year=d["year"], reason=d["reason"], **kw))


@login_required
def project_rename(request: HttpRequest) -> HttpResponse:
    return _simple(request, "changes-project-rename", ProjectRenameForm, lambda d, **kw: projects.rename_project(
        d["project"], name=d["name"], year=d["year"], reason=d["reason"], **kw))


@login_required
def project_merge(request: HttpRequest) -> HttpResponse:
    return _simple(request, "changes-project-merge", ProjectMergeForm, lambda d, **kw: projects.merge_project(
        d["project"], into=d["into"], year=d["year"], reason=d["reason"], **kw))


@login_required
def project_retire(request: HttpRequest) -> HttpResponse:
    return _simple(request, "changes-project-retire", ProjectRetireForm, lambda d, **kw: projects.retire_project(
        d["project"], year=d["year"], reason=d["reason"], **kw))


@login_required
def department_split(request: HttpRequest) -> HttpResponse:
    """Two steps: the department and the parts' names; then who takes each project, member and
    sub-unit; then the preview."""
    url_name = "changes-department-split"
    _require_administrator(request.user)
    form = DepartmentSplitForm(request.POST or None)
    assignment, preview = None, None
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["department"]
        try:
            parts = departments.split_parts(source, form.part_names())
        except ChangeError as error:
            form.add_error(None, error.message)
            parts = None
        assigning = request.POST.get("step") == "assign"
        if parts is not None:
            assignment = SplitAssignmentForm(request.POST if assigning else None, source=source, parts=parts,
                                             projects=departments.projects_to_assign(source, form.cleaned_data["year"]))
        if assignment is not None and assigning and assignment.is_valid():
            def run(dry_run: bool):
                return departments.split_department(
                    source, parts, projects=assignment.assignments("project_"),
                    members=assignment.assignments("member_"), children=assignment.assignments("child_"),
                    year=form.cleaned_data["year"], by=request.user, reason=form.cleaned_data["reason"],
                    dry_run=dry_run)
            try:  # a refusal here keeps every choice made below
                if _confirming(request):
                    return _done(request, run(False))
                preview = run(True)
            except ChangeError as error:
                form.add_error(None, error.message)
    return _page(request, url_name, form, preview, assignment=assignment, step="assign")


@login_required
def strategy_carry(request: HttpRequest) -> HttpResponse:
    """Two steps: the new strategy and its goals and policies; then where each project goes."""
    url_name = "changes-strategy-carry"
    _require_administrator(request.user)
    initial = None
    if request.method == "GET":
        old = carry_source(request.GET.get("old"))
        initial = {"old": old, "hierarchy": carry.hierarchy_text(old)} if old else None
    form = CarryForm(request.POST or None, initial=initial)
    mapping, preview = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goals = carry.parse_hierarchy(data["hierarchy"])
        except ChangeError as error:
            form.add_error("hierarchy", error.message)
            goals = None
        assigning = request.POST.get("step") == "assign"
        if goals is not None:
            defaults = {f"project_{pk}": (key or "end") for pk, key in carry.default_mapping(data["old"], goals).items()}
            mapping = CarryMappingForm(request.POST if assigning else None, initial=defaults,
                                       projects=list(carry.old_projects(data["old"])),
                                       choices=carry.policy_choices(goals))
        if mapping is not None and assigning and mapping.is_valid():
            new = carry.NewStrategy(data["name"], data["code"], data["year"], data["last_year"])
            def run(dry_run: bool):
                return carry.carry_strategy(data["old"], new, goals, mapping.mapping(), by=request.user,
                                            reason=data["reason"], dry_run=dry_run)
            try:  # a refusal here keeps every project's choice
                if _confirming(request):
                    return _done(request, run(False))
                preview = run(True)
            except ChangeError as error:
                form.add_error(None, error.message)
    return _page(request, url_name, form, preview, assignment=mapping, step="assign")


def carry_source(pk: str | None) -> Strategy | None:
    """The strategy to carry from: the one asked for, else the latest."""
    if (strategy_id := as_id(pk)) is not None:
        return Strategy.objects.filter(pk=strategy_id).first()
    return Strategy.objects.order_by("-first_year").first()

