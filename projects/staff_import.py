"""April's personnel changes (人事異動): users and their department memberships from a CSV.

The CSV has one row per person and department: 氏名, ログイン名, 部署, 役割 (担当課職員, 審査担当,
管理者), optionally メールアドレス. A person listed in several rows belongs to each department.
Everyone listed gets exactly the memberships the file gives them, so a person who moved loses the
old department's rights. Active people the file does not name are listed as possible leavers and
deactivated only when the administrator ticks it for that import (never administrators). Their past actions keep
their name, because users are never deleted. Checked in full first; applied in one transaction.
"""

import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from projects.access import Role, department_names_of, role_of, set_memberships, set_role
from projects.formats import decode_japanese_csv
from projects.models import Department, StaffProfile
from projects.text import normalize_name, unsafe_character_message

# What the 役割 column may say: each role's own label (projects.access.Role) and the usual variants.
ROLES = {
    **{role.label: role for role in Role},
    "職員": Role.STAFF, "企画課審査担当": Role.REVIEWER, "審査担当者": Role.REVIEWER, "システム管理者": Role.ADMIN,
}
CSV_COLUMNS = ("氏名", "ログイン名", "部署", "役割")
NAME_MAX_LENGTH = 150  # Django's family and given names hold 150 characters each
LOGIN_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,150}$")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


@dataclass
class PersonPlan:
    login: str
    name: str
    role: Role
    departments: list[str]
    email: str = ""
    exists: bool = False
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    initial_password: str = ""


@dataclass
class Leaver:
    login: str
    name: str
    departments: list[str]


@dataclass
class StaffImport:
    errors: list[str] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    # Active users the list does not name (never administrators): leavers, unless the list is
    # partial. They are deactivated only when the administrator ticks it for this import.
    leavers: list[Leaver] = field(default_factory=list)
    deactivated: list[Leaver] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def parse(data: bytes) -> StaffImport:
    """Read and check the CSV against the database; writes nothing."""
    result = StaffImport()
    try:
        text = decode_japanese_csv(data)
    except ValueError as error:
        result.errors.append(str(error))
        return result
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in headers]
    if missing:
        result.errors.append(f"1行目の見出しに「{'」「'.join(missing)}」がありません。見出しは {'、'.join(CSV_COLUMNS)}（任意でメールアドレス）にしてください。")
        return result
    # Department names match as on the sheet: NFKC with whitespace removed (half-width brackets,
    # stray spaces); they are stored and shown as registered.
    departments = {normalize_name(d.name): d for d in Department.objects.all()}
    people: dict[str, PersonPlan] = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        login, name, department, role_text = (row[c] for c in ("ログイン名", "氏名", "部署", "役割"))
        role = ROLES.get(role_text)
        problems = [message.rstrip("。") for column, value in row.items()
                    if (message := unsafe_character_message(value, column))]
        if not LOGIN_RE.match(login):
            problems.append(f"ログイン名「{login}」は半角英数字と . _ @ + - で入力してください")
        if not name:
            problems.append("氏名が空欄です")
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(f"氏名は{NAME_MAX_LENGTH}文字以内にしてください")
        email = row.get("メールアドレス", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"メールアドレス「{email[:60]}」の形が正しくありません")
        if role is None:
            problems.append(f"役割「{role_text}」は「担当課職員」「審査担当」「管理者」のどれかにしてください")
        if department and normalize_name(department) not in departments:
            problems.append(f"部署「{department}」は登録されていません（綴りを確認するか、先に部署を登録してください）")
        elif department and not departments[normalize_name(department)].is_current:
            ended = departments[normalize_name(department)]
            problems.append(f"部署「{ended.name}」は{ended.last_year}年度までの部署です（統合・分割でなくなりました）。"
                            "今の部署名で入力してください")
        elif department:
            department = departments[normalize_name(department)].name
        if not department and role == Role.STAFF:
            problems.append("担当課職員には部署が必要です")
        if problems:
            result.errors.append(f"{number}行目: " + "。".join(problems) + "。")
            continue
        person = people.setdefault(login, PersonPlan(login=login, name=name, role=role, departments=[],
                                                     email=row.get("メールアドレス", "")))
        if person.name != name or person.role != role:
            result.errors.append(f"{number}行目: ログイン名「{login}」の氏名か役割が、前の行と違います。同じ人は同じ氏名・役割にしてください。")
            continue
        if department and department not in person.departments:
            person.departments.append(department)
    if result.errors:
        return result
    result.people = [_plan_person(person) for person in people.values()]
    result.errors = [error for person in result.people for error in person.errors]
    if result.errors:
        return result
    User = get_user_model()
    missing = (User.objects.filter(is_active=True, is_superuser=False).exclude(username__in=list(people))
               .order_by("username"))
    result.leavers = [Leaver(user.username, f"{user.last_name} {user.first_name}".strip(), department_names_of(user))
                      for user in missing]
    return result


def _plan_person(person: PersonPlan) -> PersonPlan:
    User = get_user_model()
    user = User.objects.filter(username=person.login).first()
    if user is None:
        person.changes.append(f"新しい職員（{person.role.label}、{'、'.join(person.departments) or '部署なし'}）")
        return person
    person.exists = True
    current = department_names_of(user)
    if sorted(person.departments) != current:
        person.changes.append(f"所属: {'、'.join(current) or 'なし'} → {'、'.join(person.departments) or 'なし'}")
    current_role = role_of(user)
    if current_role != person.role:
        person.changes.append(f"役割: {current_role.label} → {person.role.label}")
        if current_role == Role.ADMIN:
            # A typo in 役割 must not lock the city's administrators (or the importer) out.
            person.errors.append(f"ログイン名「{person.login}」は管理者です。管理者の役割は名簿では変えられません。"
                                 "変える場合は管理画面の利用者の画面で変更してください。")
    if normalize_name(f"{user.last_name}{user.first_name}") != normalize_name(person.name):
        person.changes.append(f"氏名: {user.last_name} {user.first_name} → {person.name}")
    if not user.is_active:
        person.changes.append("利用を再開します")
    return person


@transaction.atomic
def apply(result: StaffImport, *, deactivate_leavers: bool = False, by=None) -> StaffImport:
    """Apply a checked import; new users get an initial password they must change at first sign-in.
    With ``deactivate_leavers`` (the administrator ticked it for this import), the active users the
    list does not name are deactivated and lose their memberships: never an administrator, never
    the person importing. Users are never deleted, so their past actions keep their names."""
    User = get_user_model()
    departments = {d.name: d for d in Department.objects.all()}
    for person in result.people:
        family, _, given = person.name.partition(" ") if " " in person.name else person.name.partition("\u3000")
        user = User.objects.filter(username=person.login).first()
        if user is None:
            user = User(username=person.login)
            person.initial_password = generate_password()
            user.set_password(person.initial_password)
        user.last_name, user.first_name = family.strip(), given.strip()
        if person.email:
            user.email = person.email
        user.is_active = True
        user.save()
        set_role(user, person.role)
        if person.initial_password:
            StaffProfile.objects.update_or_create(user=user, defaults={"must_change_password": True})
        set_memberships(user, [departments[name] for name in person.departments])
    if deactivate_leavers:
        for leaver in result.leavers:
            user = User.objects.filter(username=leaver.login, is_active=True, is_superuser=False).first()
            if user is None or (by is not None and user.pk == by.pk):
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            set_memberships(user, [])
            result.deactivated.append(leaver)
    result.applied = True
    return result


def issue_initial_password(user) -> str:
    """A new initial password for a user who forgot theirs (the city network has no reset email)."""
    password = generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    StaffProfile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    return password
