"""Evaluation rounds, their yearly entries (one per project) and the entries' events.

An entry changes state only through reviews.entries.workflow; an entry is *created* in a state by
reviews.rounds.life (draft) or by loading a sheet (approved, for a past round). A round's state
changes only through reviews.rounds.life. Forms and the admin never assign either.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from projects.fiscal_year import format_fiscal_year
from projects.models import Project, Strategy
from projects.validators import validate_kpi_number, validate_safe_text
from reviews import fields
from reviews.facts import Facts, live_facts
from reviews.fields import TEXT_MAX_LENGTH
from reviews.kept import Keeper
from reviews.search.text import departments_key, entry_search_text

# How long a process trusts its count of the strategies. Saving or deleting one here counts again at
# once; another server sees it within this time. A strategy is added once in five years, and the
# count only decides whether rounds are named with their strategy.
STRATEGY_COUNT_SECONDS = 60


_strategy_count = Keeper(1, seconds=STRATEGY_COUNT_SECONDS)


def several_strategies() -> bool:
    """Whether the installation has more than one strategy (periods or parallel plans): then a
    round is named with its strategy wherever it is named (docs/domain.md, "A round's life").
    Kept in the process for STRATEGY_COUNT_SECONDS: every page names a round in its header, and
    counting on each request was a query on every page (scripts/load_test.py); a strategy saved
    or deleted counts again (reviews.rounds.year.connect)."""
    return _strategy_count.get("several", lambda: Strategy.objects.count() > 1)


def forget_strategy_count(**_signal) -> None:
    _strategy_count.clear()


class Round(models.Model):
    """One yearly evaluation of one strategy, named by the last fiscal year it evaluates (FY2017 =
    平成29年度). Two strategies may be evaluated in the same year: a round is unique by both."""

    class State(models.TextChoices):
        PREPARING = "preparing", "準備中"
        OPEN = "open", "受付中"
        CLOSED = "closed", "締切済"
        PUBLISHED = "published", "公表済"

    # Rounds people are working in: departments enter (open) or finish returned entries (closed).
    ACTIVE_STATES = (State.OPEN, State.CLOSED)

    strategy = models.ForeignKey(Strategy, verbose_name="総合戦略", on_delete=models.PROTECT, related_name="rounds")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("表題", max_length=200, validators=[validate_safe_text])
    implementation_heading = models.CharField(
        "実施内容の見出し", max_length=100, help_text="例: 平成28、29年度の実施内容", validators=[validate_safe_text]
    )
    legend = models.TextField(
        "凡例", blank=True, help_text="段落の間は空行で区切ります。入力表の見出しの上に印刷されます。",
        validators=[validate_safe_text],
    )
    deadline = models.DateField("提出期限", null=True, blank=True)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.PREPARING)
    published_strategy_name = models.CharField(
        "公表時の総合戦略の名称", max_length=200, blank=True, editable=False,
        help_text="公表したときの名称。公表済みの入力表の表題はこれを使います。",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "評価回"
        verbose_name_plural = "評価回"
        ordering = ["-fiscal_year", "strategy_id"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "fiscal_year"], name="unique_round_per_strategy_and_year"),
            models.CheckConstraint(
                condition=Q(state__in=["preparing", "open", "closed", "published"]), name="round_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The round as every screen, message and mail names it: its title, and its strategy's
        name when the installation has several strategies (two rounds may share a year)."""
        return f"{self.title}（{self.strategy_name}）" if several_strategies() else self.title

    @property
    def file_label(self) -> str:
        """How a downloaded file's name begins: the year, and the strategy's code when there are
        several strategies, so that two rounds of one year never download under one name."""
        if several_strategies():
            return f"{self.fiscal_year_label}_{self.strategy.code}"
        return self.fiscal_year_label

    @property
    def fiscal_year_label(self) -> str:
        return format_fiscal_year(self.fiscal_year)

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def strategy_name(self) -> str:
        """The strategy's name as this round's sheet prints it: captured at publication, else live."""
        return self.published_strategy_name or self.strategy.name

    @property
    def legend_paragraphs(self) -> list[str]:
        return [p.strip("\n") for p in self.legend.replace("\r\n", "\n").split("\n\n") if p.strip()]


class Entry(models.Model):
    """One project's evaluation in one round: the sheet's row for that project."""

    class Status(models.TextChoices):
        A = "A", "A: ほぼ予定通りに実施"
        B = "B", "B: 予定の一部を実施"
        C = "C", "C: 実施に向け検討、研究に着手"
        D = "D", "D: 未実施"

    class State(models.TextChoices):
        DRAFT = "draft", "下書き"
        SUBMITTED = "submitted", "提出済"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済"

    # Entries still with their department: to write, or to rework after a return.
    UNFINISHED_STATES = (State.DRAFT, State.RETURNED)

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="entries")
    project = models.ForeignKey(Project, verbose_name="事業", on_delete=models.PROTECT, related_name="entries")
    status = models.CharField(fields.STATUS.label, max_length=1, choices=Status.choices, blank=True)
    implementation = models.TextField(fields.IMPLEMENTATION.label, max_length=TEXT_MAX_LENGTH, blank=True,
                                      validators=[validate_safe_text])
    evaluation = models.TextField(fields.EVALUATION.label, max_length=TEXT_MAX_LENGTH, blank=True,
                                  validators=[validate_safe_text])
    future_policy = models.TextField(fields.FUTURE_POLICY.label, max_length=TEXT_MAX_LENGTH, blank=True,
                                     validators=[validate_safe_text])
    memo = models.TextField(fields.MEMO.label, max_length=TEXT_MAX_LENGTH, blank=True, validators=[validate_safe_text])
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(
        "版", default=1, help_text="担当課の記載内容や状態を保存するたびに増えます（同時編集で内容が失われないように）。"
    )
    memo_version = models.PositiveIntegerField(
        "メモの版", default=1, help_text="企画課メモを保存するたびに増えます。担当課の記載とは別に数えます。"
    )
    text_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="現在の記載者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="いまの記載内容を書いた人。自分の書いた内容は承認できません。",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最終更新者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("最終更新日時", auto_now=True)
    published_facts = models.JSONField(
        "公表時の事業の内容", default=dict, blank=True, editable=False,
        help_text="公表したときの事業名・事業内容・担当課・基本目標・基本施策。公表済みの評価回はこれを表示します。",
    )
    history = HistoricalRecords(verbose_name="変更履歴", excluded_fields=["published_facts"])

    # Saving any of these refreshes the entry's search row (EntrySearch).
    SEARCH_SOURCES = frozenset({"implementation", "evaluation", "future_policy", "published_facts", "project"})

    class Meta:
        verbose_name = "評価"
        verbose_name_plural = "評価"
        ordering = [
            "round",
            "project__policy__goal__number",
            "project__policy__order",
            "project__order",
        ]
        # The queue, the lists' state filter and the counts read a round's entries in one state:
        # a big city's round has thousands, and the round index alone read them all.
        indexes = [
            models.Index(fields=["round", "state"], name="entry_round_state"),
            # What tells whether a round's provisional counts changed (reviews.results.summary), read
            # from the index alone.
            models.Index(fields=["round", "state", "status", "updated_at", "version"], name="entry_round_counted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["round", "project"], name="unique_entry_per_project_and_round"),
            models.CheckConstraint(condition=Q(status__in=["", "A", "B", "C", "D"]), name="entry_status_letter_valid"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "approved"]), name="entry_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("implementation"), TEXT_MAX_LENGTH))
                & Q(LessThanOrEqual(Length("evaluation"), TEXT_MAX_LENGTH))
                & Q(LessThanOrEqual(Length("future_policy"), TEXT_MAX_LENGTH))
                & Q(LessThanOrEqual(Length("memo"), TEXT_MAX_LENGTH)),
                name="entry_texts_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round.fiscal_year_label} {self.project.name}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        super().save(*args, **kwargs)
        if update_fields is None or self.SEARCH_SOURCES & set(update_fields):
            row = self.search_row()
            if not EntrySearch.objects.filter(pk=self.pk).update(text=row.text, departments=row.departments,
                                                                 goal=row.goal):
                row.save(force_insert=True)

    @property
    def is_unfinished(self) -> bool:
        return self.state in self.UNFINISHED_STATES

    def search_row(self, facts: Facts | None = None, names: set[str] | None = None) -> "EntrySearch":
        """The entry's search row from the facts this round shows (``facts`` when the caller has them),
        with the project's other names (``names``: all it has had), so that any of them finds it."""
        facts = facts or self.facts
        if names is None:
            names = {self.project.name, *(former.name for former in self.project.former_names.all())}
        return EntrySearch(
            entry_id=self.pk,
            text=entry_search_text(facts.project_name, facts.description, self.implementation, self.evaluation,
                                   self.future_policy, other_names=sorted(names - {facts.project_name})),
            departments=departments_key(facts.departments), goal=facts.goal_number,
        )

    @property
    def facts(self) -> Facts:
        """The project's facts as this round shows them: captured at publication, else live."""
        if self.published_facts:
            return Facts.from_json(self.published_facts)
        return live_facts(self.project, self.round.fiscal_year)


class EntrySearch(models.Model):
    """What search reads for an entry (reviews/search/): its project's name and 事業内容 as its
    round shows them and its three texts, folded; its departments and goal for the filters. A table
    of its own, so that the entries' rows stay as short as the sheet's paths need; Entry.save keeps
    it, and the bulk paths (loading a sheet, publishing, renames) write it too."""

    entry = models.OneToOneField(Entry, verbose_name="評価", on_delete=models.CASCADE, primary_key=True,
                                 related_name="search")
    text = models.TextField("検索用の文字列", blank=True)
    departments = models.TextField("検索用の担当課", blank=True, help_text="|商工観光課|企画課| の形")
    goal = models.PositiveSmallIntegerField("検索用の基本目標番号", null=True, blank=True)

    class Meta:
        verbose_name = "評価の検索用データ"
        verbose_name_plural = "評価の検索用データ"

    def __str__(self) -> str:
        return str(self.entry_id)


class AppendOnly(models.Model):
    """Records of what happened are added, never changed or deleted (bulk deletes aside, which
    the application never issues)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError("操作記録は変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("操作記録は削除できません。")


class Event(AppendOnly):
    """One transition of an entry: append-only, never changed or deleted."""

    class Action(models.TextChoices):
        CREATE = "create", "作成"
        SUBMIT = "submit", "提出"
        WITHDRAW = "withdraw", "取下げ"
        RETURN = "return", "差戻し"
        APPROVE = "approve", "承認"
        REOPEN = "reopen", "承認の取消し（差戻し）"
        IMPORT = "import", "入力表から取込み"

    entry = models.ForeignKey(Entry, verbose_name="評価", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_state = models.CharField("変更前の状態", max_length=20, choices=Entry.State.choices, blank=True)
    to_state = models.CharField("変更後の状態", max_length=20, choices=Entry.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空欄はシステムによる操作（初期データの読込みなど）です。",
    )
    created_at = models.DateTimeField("日時", auto_now_add=True)
    comment = models.TextField("コメント・理由", blank=True)
    snapshot = models.JSONField(
        "提出時の内容", default=dict, blank=True, help_text="提出のたびに記録し、前回の提出からの変更を示します。"
    )

    class Meta:
        verbose_name = "評価の操作記録"
        verbose_name_plural = "評価の操作記録"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entry", "created_at"], name="event_entry_time"),
            # The queue's "last submission" of each entry: one index step, not its events sorted.
            models.Index(fields=["entry", "action", "created_at"], name="event_entry_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.entry}"



class SheetUpload(models.Model):
    """An uploaded 入力表 that was applied: the file, who, when, and what it changed."""

    class Kind(models.TextChoices):
        NEW_ROUND = "new_round", "評価回として読込み"
        UPDATE = "update", "評価の更新"

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="uploads")
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    department = models.ForeignKey(
        "projects.Department", verbose_name="担当課の入力表", null=True, blank=True, on_delete=models.PROTECT,
        help_text="空欄は市全体（企画課）の入力表です。",
    )
    file = models.FileField("ファイル", upload_to="sheets/%Y/%m/")
    original_name = models.CharField("元のファイル名", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="取り込んだ人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("取込日時", auto_now_add=True)
    summary = models.JSONField("変更内容", default=dict, blank=True)
    # The preview's staged file this upload confirmed: a second confirmation of the same preview
    # (a double click, a second tab) is told it is done, and can never apply twice (unique).
    staged_name = models.CharField("確認した取込み", max_length=255, blank=True, default="", editable=False)

    class Meta:
        verbose_name = "入力表の取込み"
        verbose_name_plural = "入力表の取込み"
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["staged_name"], condition=~models.Q(staged_name=""),
                                    name="sheetupload_confirmed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.round}）"


class StoredFile(models.Model):
    """A file kept in the database (reviews.sheets.storage.DatabaseStorage, the default storage
    unless UPLOAD_STORAGE is "files"): kept sheets, previews waiting for confirmation and the
    admin's flat imports between their two steps. Every app server reads the same rows, so none
    needs a disk of its own or a shared folder."""

    name = models.CharField("名前", max_length=255, unique=True)
    content = models.BinaryField("内容")
    size = models.PositiveBigIntegerField("大きさ（バイト）")
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    modified_at = models.DateTimeField("更新日時", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "保存ファイル"
        verbose_name_plural = "保存ファイル"

    def __str__(self) -> str:
        return self.name


class RoundEvent(AppendOnly):
    """One step in a round's life (opened, closed, published, deadline set or extended): append-only."""

    class Action(models.TextChoices):
        CREATE = "create", "作成"
        OPEN = "open", "受付開始"
        CLOSE = "close", "締切"
        REOPEN = "reopen", "受付再開"
        PUBLISH = "publish", "公表"
        DEADLINE = "deadline", "提出期限の設定"
        EXTEND = "extend", "提出期限の延長"

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_state = models.CharField("変更前の状態", max_length=20, choices=Round.State.choices, blank=True)
    to_state = models.CharField("変更後の状態", max_length=20, choices=Round.State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("日時", auto_now_add=True)
    comment = models.TextField("内容", blank=True)

    class Meta:
        verbose_name = "評価回の操作記録"
        verbose_name_plural = "評価回の操作記録"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.round}"



class DeadlineExtension(models.Model):
    """A later deadline for one department in one round (granted by the planning division)."""

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="extensions")
    department = models.ForeignKey("projects.Department", verbose_name="担当課", on_delete=models.PROTECT,
                                   related_name="+")
    deadline = models.DateField("延長後の提出期限")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="延長した人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField("延長日時", auto_now=True)

    class Meta:
        verbose_name = "提出期限の延長"
        verbose_name_plural = "提出期限の延長"
        constraints = [
            models.UniqueConstraint(fields=["round", "department"], name="unique_extension_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.deadline:%Y-%m-%d}"


class Message(models.Model):
    """A message in the conversation on an entry; visible to its department and the reviewers,
    never printed in any sheet."""

    entry = models.ForeignKey(Entry, verbose_name="評価", on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="書いた人", on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField("内容", max_length=TEXT_MAX_LENGTH, validators=[validate_safe_text])
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "やりとり"
        verbose_name_plural = "やりとり"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.body[:20]}"


class Notification(models.Model):
    """An in-app notice for one user (an email is sent alongside when the user has an address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="宛先", on_delete=models.CASCADE,
                             related_name="notifications")
    entry = models.ForeignKey(Entry, verbose_name="評価", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    text = models.CharField("お知らせ", max_length=300)
    created_at = models.DateTimeField("日時", auto_now_add=True)
    read_at = models.DateTimeField("既読日時", null=True, blank=True)

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text


class ReminderLog(models.Model):
    """A reminder emailed to a department: at most one per round, department and day."""

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("projects.Department", verbose_name="担当課", on_delete=models.PROTECT,
                                   related_name="+")
    sent_on = models.DateField("送信日")
    late = models.BooleanField("期限後の督促", default=False)
    recipients = models.PositiveIntegerField("送信先の人数", default=0)

    class Meta:
        verbose_name = "督促メールの記録"
        verbose_name_plural = "督促メールの記録"
        constraints = [
            models.UniqueConstraint(fields=["round", "department", "sent_on"], name="one_reminder_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.sent_on:%Y-%m-%d}"


class TextRepair(AppendOnly):
    """A stored text from which a data migration removed control characters (kept for audit:
    the value before and after, where, and when)."""

    table = models.CharField("表", max_length=100)
    object_id = models.CharField("ID", max_length=40)
    field = models.CharField("項目", max_length=100)
    before = models.TextField("修正前")
    after = models.TextField("修正後")
    repaired_at = models.DateTimeField("修正日時", auto_now_add=True)

    class Meta:
        verbose_name = "制御文字の除去の記録"
        verbose_name_plural = "制御文字の除去の記録"
        ordering = ["-repaired_at", "table", "object_id"]

    def __str__(self) -> str:
        return f"{self.table} {self.object_id} {self.field}"


class MailDelivery(AppendOnly):
    """One email to one person, sent or failed: every outgoing message is recorded on its own, so
    a failure is listed for administrators instead of silently skipping the rest."""

    class Kind(models.TextChoices):
        NOTIFICATION = "notification", "お知らせ"
        REMINDER = "reminder", "督促"
        DIGEST = "digest", "まとめ"

    class Status(models.TextChoices):
        SENT = "sent", "送信済"
        FAILED = "failed", "送信失敗"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="宛先", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    address = models.CharField("メールアドレス", max_length=254)
    subject = models.CharField("件名", max_length=255)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    status = models.CharField("結果", max_length=20, choices=Status.choices)
    error = models.TextField("失敗の理由", blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "メールの送信記録"
        verbose_name_plural = "メールの送信記録"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="mail_delivery_status")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.address} {self.subject}"


class SheetDownload(AppendOnly):
    """A sheet that was downloaded: who, when, which round and whose sheet. Its identifier is
    stamped into the workbook, so an upload knows when the sheet was made even without its
    hidden column, and a row changed on screen since then is a conflict."""

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="downloads")
    department = models.ForeignKey("projects.Department", verbose_name="担当課の入力表", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", help_text="空欄は市全体の入力表です。")
    with_memo = models.BooleanField("内部用メモ付き", default=False)
    downloaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="ダウンロードした人", null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "入力表のダウンロード"
        verbose_name_plural = "入力表のダウンロード"
        ordering = ["-downloaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} {self.department or '市全体'} {self.downloaded_at:%Y-%m-%d %H:%M}"


class DigestLog(models.Model):
    """The daily digest sent to one reviewer: at most one a day, each recipient on their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="宛先", on_delete=models.CASCADE,
                             related_name="+")
    sent_on = models.DateField("送信日")
    # The moment the digest covers up to (the next one starts there), not when the mail left.
    sent_at = models.DateTimeField("対象の終わり", default=timezone.now)
    entries = models.PositiveIntegerField("知らせた提出の件数", default=0)

    class Meta:
        verbose_name = "まとめメールの記録"
        verbose_name_plural = "まとめメールの記録"
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "sent_on"], name="one_digest_per_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.sent_on:%Y-%m-%d}"


class HelpContact(models.Model):
    """Whom to ask, shown on every help page: one text the administrators keep up to date."""

    text = models.TextField(
        "問い合わせ先", validators=[validate_safe_text],
        help_text="ヘルプ画面の「わからないときは」に表示します。例: 企画課 政策担当（内線 1234）",
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "ヘルプの問い合わせ先"
        verbose_name_plural = "ヘルプの問い合わせ先"

    def __str__(self) -> str:
        return self.text[:40]


class Opinion(models.Model):
    """An opinion of the review committee (委員会意見) on a published round, about one project,
    policy or goal, addressed to the departments that must answer it in the next round.

    A record of its own: the published round never changes. The planning division may edit it
    until the next round of the strategy opens (reviews.results.opinions decides)."""

    class Subject(models.TextChoices):
        PROJECT = "project", "事業"
        POLICY = "policy", "基本施策"
        GOAL = "goal", "基本目標"

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="opinions")
    subject = models.CharField("意見の対象", max_length=20, choices=Subject.choices)
    project = models.ForeignKey(Project, verbose_name="事業", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="opinions")
    policy = models.ForeignKey("projects.Policy", verbose_name="基本施策", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="opinions")
    goal = models.ForeignKey("projects.Goal", verbose_name="基本目標", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="opinions")
    subject_title = models.CharField(
        "対象の名称", max_length=300, blank=True, editable=False,
        help_text="意見を登録した評価回で表示されていた名称（公表時の記録から）。",
    )
    text = models.TextField("委員会意見", max_length=TEXT_MAX_LENGTH, validators=[validate_safe_text])
    departments = models.ManyToManyField("projects.Department", verbose_name="回答する課", related_name="opinions")
    department_names = models.JSONField(
        "回答する課の名称", default=list, blank=True, editable=False,
        help_text="登録・変更したときの課の名称。公開ページはこれを表示します（後の改名で変わりません）。",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登録者", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最終更新者", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("最終更新日時", auto_now=True)
    history = HistoricalRecords(verbose_name="変更履歴", m2m_fields=[departments])

    class Meta:
        verbose_name = "委員会意見"
        verbose_name_plural = "委員会意見"
        ordering = ["round", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject="project", project__isnull=False, policy__isnull=True, goal__isnull=True)
                           | Q(subject="policy", project__isnull=True, policy__isnull=False, goal__isnull=True)
                           | Q(subject="goal", project__isnull=True, policy__isnull=True, goal__isnull=False)),
                name="opinion_has_one_subject",
            ),
            models.CheckConstraint(condition=Q(LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH)),
                                   name="opinion_text_within_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.round.fiscal_year_label} {self.get_subject_display()}「{self.subject_name}」への意見"

    @property
    def subject_name(self) -> str:
        """As the round showed it (captured when recorded), else as the hierarchy names it now."""
        if self.subject_title:
            return self.subject_title
        if self.project_id:
            return self.project.name
        if self.policy_id:
            return self.policy.title
        return self.goal.band_text


class Answer(models.Model):
    """One addressed department's answer (対応方針) to an opinion, written in the next round of the
    strategy and taken through the entry's rules: submitted, returned, approved
    (reviews.results.answers). Not part of the nine-column 入力表: uploads never touch it."""

    opinion = models.ForeignKey(Opinion, verbose_name="委員会意見", on_delete=models.PROTECT, related_name="answers")
    round = models.ForeignKey(Round, verbose_name="回答する評価回", on_delete=models.PROTECT, related_name="answers")
    department = models.ForeignKey("projects.Department", verbose_name="回答する課", on_delete=models.PROTECT,
                                   related_name="answers")
    department_name = models.CharField(
        "回答した課の名称", max_length=200, blank=True, editable=False,
        help_text="回答する評価回を公表したときの課の名称（それまでは作成時の名称）。公開ページはこれを表示します。",
    )
    text = models.TextField("対応方針", max_length=TEXT_MAX_LENGTH, blank=True, validators=[validate_safe_text])
    state = models.CharField("状態", max_length=20, choices=Entry.State.choices, default=Entry.State.DRAFT)
    version = models.PositiveIntegerField("版", default=1)
    text_author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="現在の記載者", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最終更新者", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("最終更新日時", auto_now=True)
    history = HistoricalRecords(verbose_name="変更履歴")

    class Meta:
        verbose_name = "対応方針"
        verbose_name_plural = "対応方針"
        ordering = ["round", "opinion", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["opinion", "department"], name="unique_answer_per_opinion_and_department"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "approved"]), name="answer_state_valid"
            ),
            models.CheckConstraint(condition=Q(LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH)),
                                   name="answer_text_within_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.department} の対応方針（{self.opinion}）"

    @property
    def is_unfinished(self) -> bool:
        return self.state in Entry.UNFINISHED_STATES


class AnswerEvent(AppendOnly):
    """One transition of an answer: append-only, like an entry's events."""

    answer = models.ForeignKey(Answer, verbose_name="対応方針", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=20, choices=Event.Action.choices)
    from_state = models.CharField("変更前の状態", max_length=20, choices=Entry.State.choices, blank=True)
    to_state = models.CharField("変更後の状態", max_length=20, choices=Entry.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("日時", auto_now_add=True)
    comment = models.TextField("コメント・理由", blank=True)

    class Meta:
        verbose_name = "対応方針の操作記録"
        verbose_name_plural = "対応方針の操作記録"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.answer}"


class KpiActual(models.Model):
    """A KPI's figure for one round, entered by the reporting department: a value (or numerator
    and denominator), or why there is none. A project's KPI goes with its entry (its state is the
    entry's: submitted, returned and approved together); a goal's or a policy's is an item of its
    own, taken through the entry's rules (reviews.kpis)."""

    class Status(models.TextChoices):
        REPORTED = "reported", "実績値あり"
        NOT_YET = "not_yet", "未把握（まだ確定していない）"
        UNMEASURABLE = "unmeasurable", "評価不能（測れない）"
        ENDED = "ended", "事業終了"

    round = models.ForeignKey(Round, verbose_name="評価回", on_delete=models.PROTECT, related_name="kpi_actuals")
    kpi = models.ForeignKey("projects.Kpi", verbose_name="KPI", on_delete=models.PROTECT, related_name="actuals")
    entry = models.ForeignKey(Entry, verbose_name="評価", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="kpi_actuals", help_text="事業の KPI は、その事業の評価と一緒に提出・審査します。")
    department = models.ForeignKey("projects.Department", verbose_name="報告する課", on_delete=models.PROTECT,
                                   related_name="kpi_actuals")
    status = models.CharField("実績の状況", max_length=20, choices=Status.choices, blank=True)
    value = models.DecimalField("実績値", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True)
    numerator = models.DecimalField("分子", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True)
    denominator = models.DecimalField("分母", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True)
    note = models.CharField("確定する時期・測れない理由", max_length=300, blank=True, validators=[validate_safe_text])
    comment = models.TextField("コメント", max_length=TEXT_MAX_LENGTH, blank=True, validators=[validate_safe_text])
    state = models.CharField("状態", max_length=20, choices=Entry.State.choices, default=Entry.State.DRAFT,
                             help_text="基本目標・基本施策の KPI のもの。事業の KPI は評価の状態に従います。")
    published_kpi = models.JSONField(
        "公表時の KPI の定義", default=dict, blank=True, editable=False,
        help_text="公表したときの指標名・単位・基準値・目標値など。公表済みの評価回の達成率はこれで計算します。",
    )
    version = models.PositiveIntegerField("版", default=1)
    text_author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="現在の記載者", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最終更新者", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("最終更新日時", auto_now=True)
    history = HistoricalRecords(verbose_name="変更履歴")

    class Meta:
        verbose_name = "KPI の実績"
        verbose_name_plural = "KPI の実績"
        ordering = ["round", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["round", "kpi"], name="unique_kpi_actual_per_round"),
            models.CheckConstraint(condition=Q(status__in=["", "reported", "not_yet", "unmeasurable", "ended"]),
                                   name="kpi_actual_status_valid"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "approved"]), name="kpi_actual_state_valid"
            ),
            models.CheckConstraint(condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                                   name="kpi_actual_denominator_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.round.fiscal_year_label} {self.kpi}"

    @property
    def current_state(self) -> str:
        """A project's KPI is in its entry's state; a goal's or policy's has its own."""
        return self.entry.state if self.entry_id else self.state

    @property
    def figure_text(self) -> str:
        """As the pages print it: 「12件」, 「未把握（翌年度7月に確定）」, 「未入力」; a published
        figure in the unit it was published in (a unit changed since never rewrites it)."""
        if self.status == self.Status.REPORTED:
            unit = self.published_kpi["unit"] if self.published_kpi else self.kpi.unit
            return figure_text(self.value, self.numerator, self.denominator, unit)
        label = self.get_status_display() if self.status else "未入力"
        return f"{label}（{self.note}）" if self.note else label


class KpiEvent(AppendOnly):
    """One transition of a goal's or a policy's KPI actual: append-only, like an entry's events."""

    actual = models.ForeignKey(KpiActual, verbose_name="KPI の実績", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=20, choices=Event.Action.choices)
    from_state = models.CharField("変更前の状態", max_length=20, choices=Entry.State.choices, blank=True)
    to_state = models.CharField("変更後の状態", max_length=20, choices=Entry.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("日時", auto_now_add=True)
    comment = models.TextField("コメント・理由", blank=True)

    class Meta:
        verbose_name = "KPI の実績の操作記録"
        verbose_name_plural = "KPI の実績の操作記録"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.actual}"


class KpiAmendment(AppendOnly):
    """A figure confirmed after its round was published, recorded beside the published one (which
    never changes); the later rounds compute with it."""

    actual = models.ForeignKey(KpiActual, verbose_name="公表した実績", on_delete=models.PROTECT,
                               related_name="amendments")
    value = models.DecimalField("確定した実績値", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True)
    numerator = models.DecimalField("分子", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True)
    denominator = models.DecimalField("分母", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True)
    confirmed_on = models.DateField("確定した日")
    comment = models.TextField("コメント", max_length=TEXT_MAX_LENGTH, blank=True, validators=[validate_safe_text])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録した人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "KPI の実績の確定（公表後）"
        verbose_name_plural = "KPI の実績の確定（公表後）"
        ordering = ["actual", "-confirmed_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                                              name="kpi_amendment_denominator_positive")]

    def __str__(self) -> str:
        return f"{self.actual}（{self.confirmed_on} 確定）"

    @property
    def figure_text(self) -> str:
        return figure_text(self.value, self.numerator, self.denominator, self.actual.kpi.unit)


def figure_text(value, numerator, denominator, unit: str) -> str:
    """A figure as printed: 12件, or 40%（40 ÷ 100） for a percentage entered by its parts."""
    if value is None:
        return "—"
    text = f"{value.normalize():f}{unit}"
    if numerator is not None and denominator:
        text += f"（{numerator.normalize():f} ÷ {denominator.normalize():f}）"
    return text


class PublicStamp(models.Model):
    """One row whose token changes after every committed change the public pages may show, so that
    each application server knows its kept public pages are out of date (reviews.public.cache)."""

    token = models.CharField("版", max_length=32)
    changed_at = models.DateTimeField("変更日時", auto_now=True)

    class Meta:
        verbose_name = "公開ページの版"
        verbose_name_plural = "公開ページの版"

    def __str__(self) -> str:
        return self.token
