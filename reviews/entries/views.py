"""One entry: read it, edit it, and take the workflow's actions on it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from projects.access import is_reviewer
from projects.text import normalize_text
from reviews.access import get_entry_for, may_see_answer
from reviews.entries import conversation, workflow
from reviews.entries.forms import CommentForm, EntryForm, MemoForm
from reviews.entries.guidance import guidance
from reviews.fields import DEPARTMENT_FIELDS, DEPARTMENT_TEXTS, FIELDS
from reviews.fields import labels as field_labels
from reviews.kpis import actuals as kpi_actuals
from reviews.models import Answer, Entry, Notification

SUCCESS_MESSAGES = {
    "save": "下書きを保存しました。",
    "correct": "企画課として内容を修正しました。承認は別の審査担当者が行います。",
    "submit": "提出しました。企画課の確認をお待ちください。",
    "withdraw": "提出を取り下げました。下書きに戻っています。",
    "return": "担当課に差し戻しました。",
    "approve": "承認しました。",
    "reopen": "承認を取り消し、担当課に差し戻しました。",
    "memo": "メモを保存しました。",
}


def _history(entry: Entry, records: list, *, include_memo: bool) -> list[dict]:
    """Field changes (old value, new value, who, when), newest first, from the entry's history
    ``records`` (newest first). The memo is internal to the planning division, so its changes are
    shown to reviewers only."""
    changes = []
    names = (*DEPARTMENT_FIELDS, "memo") if include_memo else DEPARTMENT_FIELDS
    all_labels = field_labels(entry.round.implementation_heading)
    labels = {name: all_labels[name] for name in names}
    for newer, older in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older, included_fields=list(labels))
        order = list(labels)  # simple-history diffs a set of names: show them in the sheet's order
        for change in sorted(delta.changes, key=lambda c: order.index(c.field)):
            changes.append(
                {"when": newer.history_date, "who": newer.history_user, "field": labels[change.field],
                 "old": change.old, "new": change.new}
            )
    return changes


def _change_rows(changes: workflow.SubmissionChanges | None, heading: str) -> list[tuple[str, str, str]]:
    """(label, previous submission, this submission) for each field that changed between them."""
    if changes is None:
        return []
    return [(heading if name == "implementation" else FIELDS[name].short_label,
             changes.previous.get(name, ""), changes.current[name]) for name in changes.changed]


def render_entry(request: HttpRequest, entry: Entry, *, form: EntryForm | None = None, status: int = 200,
                 conflict: Entry | None = None, warnings: list[str] | None = None,
                 comment_error: tuple[str, str] | None = None, memo_form: MemoForm | None = None,
                 unsaved: bool | None = None, unanswered: list | None = None,
                 kpi_forms: dict | None = None, incomplete_kpis: list | None = None,
                 kpi_amend_forms: dict | None = None, message_error: str = "",
                 not_restored: list | None = None, copied: dict | None = None) -> HttpResponse:
    """The entry page. ``comment_error`` is (action, message) for a refused return or reopening
    comment, and ``message_error`` for a refused message, each shown beside its field with what was
    typed kept; ``copied`` names the field 「前回の内容をここに写す」 filled and the text it replaced."""
    user = request.user
    # The events and the history, newest first, read once for the page's parts (the approval's
    # check among them: workflow.wrote_text_under_review reads them from the entry).
    events = list(entry.events.select_related("actor"))
    records = list(entry.history.select_related("history_user").order_by("-history_date", "-history_id"))
    entry.page_reads = (events, records)
    changes = workflow.changes_since_previous_submission(entry, events)
    actions = {rule.action: rule for rule in workflow.available_actions(entry, user)}
    editable = "save" in actions or "correct" in actions
    if form is None and editable:
        form = EntryForm.for_entry(entry)
    return render(
        request,
        "reviews/entries/entry.html",
        {
            "entry": entry,
            "facts": entry.facts,
            "form": form,
            "actions": actions,
            "guidance": guidance(entry, user, actions),
            # A form shown again with what was typed and not saved: leaving asks first.
            "unsaved": (form is not None and form.is_bound) if unsaved is None else unsaved,
            "return_reason": workflow.return_reason(entry, events),
            "transitions": [
                {"rule": actions[a], "error": comment_error[1] if comment_error and comment_error[0] == a else "",
                 "typed": request.POST.get("comment", "") if comment_error and comment_error[0] == a else ""}
                for a in workflow.TRANSITION_ACTIONS if a in actions and a != "submit"
            ],
            "comment_form": CommentForm(initial={"version": entry.version}),
            "memo_form": (memo_form or MemoForm(initial={"version": entry.memo_version, "memo": entry.memo}))
            if "memo" in actions else None,
            "show_memo": is_reviewer(user),
            "previous": workflow.previous_entry(entry),
            "changes": changes,
            "change_rows": _change_rows(changes, entry.round.implementation_heading),
            "events": events,
            "history": _history(entry, records, include_memo=is_reviewer(user)),
            "conversation": conversation.conversation(entry, events),
            "may_post": conversation.may_post(entry, user),
            "conflict": conflict,
            "warnings": warnings,
            "status_legend": Entry.Status.choices,
            "labels": field_labels(entry.round.implementation_heading),
            "opinion_answers": _opinion_answers(entry, user),
            "unanswered": unanswered,
            "kpi_rows": kpi_actuals.kpi_rows(entry, user, kpi_forms, kpi_amend_forms),
            "incomplete_kpis": incomplete_kpis,
            "message_error": message_error,
            "not_restored": not_restored or [],
            "copied": copied,
            "writer_token": writer_token(user) if form is not None else "",
            "message_typed": request.POST.get("body", "") if message_error else "",
        },
        status=status,
    )


def _opinion_answers(entry: Entry, user) -> list[tuple]:
    """The answers, in this round, to the committee's opinions on this project, each with whether
    the user may open it (their own department's, or any for reviewers)."""
    every = (Answer.objects.filter(round_id=entry.round_id, opinion__project_id=entry.project_id)
             .select_related("opinion", "department").order_by("opinion_id", "department__name"))
    # Decided from what was read (most projects have no answers: then nothing more is asked).
    return [(answer, may_see_answer(user, answer)) for answer in every]


# What a person typed and sent after their session had ended (SESSION_IDLE_HOURS): kept in the new
# session through the sign-in and put back on the entry's form, unsaved, for them to save. Only for
# the person the form was shown to (the page signs their id into it: the session alone cannot say
# who, and the next person to sign in on that browser, or anyone posting to the address, must not
# get or plant text as theirs).
TYPED_BEFORE_SIGN_IN = "entry-text-typed-before-sign-in"
TYPED_FIELDS = ("version", "status", "implementation", "evaluation", "future_policy")
TYPED_KEPT_CHARACTERS = 10_000  # per field: the form refuses more than 1,000 anyway
WRITER_SALT = "reviews.entries.writer"
WRITER_MAX_AGE = 2 * 24 * 60 * 60  # a page left open over a weekend is not kept


def writer_token(user) -> str:
    """The entry form's hidden proof of whom it was shown to."""
    return signing.dumps(user.pk, salt=WRITER_SALT)


def _sign_in_keeping_what_was_typed(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        writer = signing.loads(request.POST.get("writer", ""), salt=WRITER_SALT, max_age=WRITER_MAX_AGE)
    except signing.BadSignature:
        writer = None
    if isinstance(writer, int):
        request.session[TYPED_BEFORE_SIGN_IN] = {
            "entry": pk, "writer": writer,
            "data": {name: request.POST.get(name, "")[:TYPED_KEPT_CHARACTERS] for name in TYPED_FIELDS}}
        messages.warning(request, "しばらく操作がなかったため、サインインが切れていました。入力した内容はまだ保存されていません。"
                                  "サインインし直すと、入力した内容を記入画面に戻します。")
    else:
        messages.warning(request, "サインインが切れていたため、保存できませんでした。サインインしてから入力し直してください。")
    return redirect_to_login(reverse("reviews:entry", args=[pk]), settings.LOGIN_URL)


def forget_anothers_typed_text(sender, request: HttpRequest, user, **kwargs) -> None:
    """At a sign-in (user_logged_in): text kept for someone else leaves this browser's session, so
    that it does not wait, unseen but stored, in the next person's session until theirs ends."""
    kept = request.session.get(TYPED_BEFORE_SIGN_IN) if hasattr(request, "session") else None
    if isinstance(kept, dict) and kept.get("writer") != user.pk:
        del request.session[TYPED_BEFORE_SIGN_IN]


def _typed_before_sign_in(request: HttpRequest, entry: Entry) -> tuple[EntryForm | None, list]:
    """What this person typed for this entry before signing in again: on the form when they may
    still edit it, else as (label, text) pairs to copy (a colleague submitted it meanwhile). Kept
    until that entry is opened, and only for its writer."""
    kept = request.session.get(TYPED_BEFORE_SIGN_IN)
    if not isinstance(kept, dict) or kept.get("entry") != entry.pk:
        return None, []
    del request.session[TYPED_BEFORE_SIGN_IN]
    if kept.get("writer") != request.user.pk:
        return None, []
    data = kept.get("data") or {}
    if not any(rule.action in ("save", "correct") for rule in workflow.available_actions(entry, request.user)):
        messages.warning(request, "サインインし直すまでの間にこの評価が編集できない状態になったため、入力した内容を"
                                  "記入欄に戻せませんでした。必要なら、下の「保存されなかった内容」を控えてください。")
        labels = field_labels(entry.round.implementation_heading)
        return None, [(labels[name], data[name]) for name in DEPARTMENT_FIELDS
                      if name != "status" and data.get(name)]
    messages.info(request, "サインインが切れる前に入力した内容を戻しました。まだ保存されていません。"
                           "確かめてから保存のボタンを押してください。")
    form = EntryForm.for_entry(entry, data=data)
    form.is_valid()
    return form, []


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    # Opening the entry is reading what the notices said about it.
    Notification.objects.filter(user=request.user, entry=entry, read_at__isnull=True).update(read_at=timezone.now())
    form, not_restored = _typed_before_sign_in(request, entry)
    return render_entry(request, entry, form=form, not_restored=not_restored)


def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a draft, submit (saving first), or correct as a reviewer: the button says which."""
    if request.method != "POST":
        # Where a sign-in that expired sends people back, or a bookmark: the entry page.
        return redirect("reviews:entry", pk=pk)
    if not request.user.is_authenticated:
        return _sign_in_keeping_what_was_typed(request, pk)
    entry = get_entry_for(request.user, pk)
    if "copy_previous" in request.POST:  # the button names the field; it never saves
        return _copy_previous(request, entry, request.POST["copy_previous"])
    intent = request.POST.get("intent")
    if intent not in ("save", "submit", "correct"):
        return HttpResponseBadRequest("不明な操作です。")
    form = EntryForm.for_entry(entry, data=request.POST)
    if not form.is_valid():
        return render_entry(request, entry, form=form, status=400)
    version, texts = form.cleaned_data["version"], form.texts()
    try:
        if intent == "save":
            workflow.save_draft(entry, by=request.user, version=version, **texts)
        elif intent == "correct":
            workflow.correct(entry, by=request.user, version=version, **texts)
        else:
            workflow.submit(entry, by=request.user, version=version, texts=texts,
                            confirmed=form.cleaned_data["confirmed"])
    except workflow.StaleEntryError as error:
        return _refused_as_stale(request, entry, error)
    except workflow.WorkflowError as error:
        return _submit_stopped(request, entry, form, error)
    messages.success(request, SUCCESS_MESSAGES[intent])
    return redirect("reviews:entry", pk=entry.pk)


def _copy_previous(request: HttpRequest, entry: Entry, name: str) -> HttpResponse:
    """「前回の内容をここに写す」 without a script: the page again, unsaved, with the previous
    entry's text in field ``name`` and everything else as typed; a text it replaces is shown
    beside the form to take back (no script asks before replacing it)."""
    if name not in DEPARTMENT_TEXTS:
        return HttpResponseBadRequest("不明な操作です。")
    previous = workflow.previous_entry(entry)
    editable = any(rule.action in ("save", "correct") for rule in workflow.available_actions(entry, request.user))
    if previous is None or not editable:
        # As a refused save: what was typed stays on the form, and nothing is written.
        reason = "前回の評価がない" if previous is None else "この評価は今は編集できない"
        messages.error(request, f"{reason}ため、前回の内容を写せませんでした。入力した内容は保存されていません。")
        return render_entry(request, entry, form=EntryForm.for_entry(entry, data=request.POST), status=409)
    label = field_labels(entry.round.implementation_heading)[name]
    typed = normalize_text(request.POST.get(name, ""))
    replaced = typed if typed != normalize_text(getattr(previous, name)) else ""
    messages.info(request, f"「{label}」に前回（{previous.round.display_name}）の内容を写しました。まだ保存されていません。"
                           "確かめてから保存のボタンを押してください。")
    return render_entry(request, entry, form=EntryForm.with_previous_text(entry, request.POST, name, previous),
                        copied={"field": name, "replaced": replaced})


def _submit_stopped(request: HttpRequest, entry: Entry, form: EntryForm, error: workflow.WorkflowError) -> HttpResponse:
    """A refused save or submit keeps what was typed on the form; a submit's texts were saved as
    the draft first, and the page says so, so a reload or a lunch break loses nothing."""
    current = get_entry_for(request.user, entry.pk)
    if error.draft_saved:
        messages.info(request, "入力した内容は下書きとして保存しました（まだ提出されていません）。")
        data = request.POST.copy()
        data["version"] = str(current.version)  # the form now continues from the saved draft
        form = EntryForm.for_entry(current, data=data)
        form.is_valid()
    unsaved = not error.draft_saved
    if isinstance(error, workflow.SubmissionError):
        for name, message in error.errors.items():
            form.add_error(name, message)
        return render_entry(request, current, form=form, status=400, unsaved=unsaved)
    if isinstance(error, workflow.UnansweredOpinions):
        messages.error(request, error.message)
        return render_entry(request, current, form=form, status=409, unsaved=unsaved, unanswered=error.answers)
    if isinstance(error, workflow.IncompleteKpis):
        messages.error(request, error.message)
        return render_entry(request, current, form=form, status=409, unsaved=unsaved, incomplete_kpis=error.actuals)
    if isinstance(error, workflow.NeedsConfirmation):
        return render_entry(request, current, form=form, warnings=error.warnings, unsaved=unsaved)
    messages.error(request, error.message)
    return render_entry(request, current, form=form, status=409, unsaved=unsaved)


def _refused_as_stale(request: HttpRequest, entry: Entry, error: workflow.StaleEntryError) -> HttpResponse:
    """Keep the refused text on the form, show what the other person saved, and let the user
    save again deliberately from the version now in the database."""
    current = get_entry_for(request.user, entry.pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = EntryForm.for_entry(current, data=data)
    form.is_valid()
    messages.error(request, error.message)
    return render_entry(request, current, form=form, conflict=current, status=409)


def _transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            return render_entry(request, entry, status=400, comment_error=(action, " ".join(form.errors["comment"])))
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
        return redirect("reviews:entry", pk=entry.pk)
    comment = form.cleaned_data["comment"]
    if workflow.RULES[action].needs_comment and not comment:  # spaces alone are no reason
        return render_entry(request, entry, status=400, comment_error=(
            action, "理由を入力してください。担当課に伝わる内容を書いてください（空白だけでは送れません）。"))
    function = workflow.TRANSITION_FUNCTIONS[action]
    kwargs = {} if action == "withdraw" else {"comment": comment}
    try:
        function(entry, by=request.user, version=form.cleaned_data["version"], **kwargs)
    except workflow.WorkflowError as error:
        # The refusal is said at the top; the reason typed stays in its box when the box is still there.
        messages.error(request, error.message)
        return render_entry(request, get_entry_for(request.user, entry.pk), status=409,
                            comment_error=(action, error.message))
    messages.success(request, SUCCESS_MESSAGES[action])
    return redirect("reviews:entry", pk=entry.pk)


@login_required
@require_POST
def entry_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "withdraw")


@login_required
@require_POST
def entry_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "return")


@login_required
@require_POST
def entry_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "approve")


@login_required
@require_POST
def entry_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "reopen")


@login_required
@require_POST
def entry_memo(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    form = MemoForm(request.POST)
    if not form.is_valid():
        messages.error(request, "メモを保存できませんでした: " + " ".join(form.errors.get("memo", ["入力内容を確認してください。"])))
        return render_entry(request, entry, status=400, memo_form=form)
    try:
        workflow.save_memo(entry, by=request.user, version=form.cleaned_data["version"], memo=form.cleaned_data["memo"])
    except workflow.WorkflowError as error:
        # Keep the memo typed; a stale one continues from the version now saved.
        current = get_entry_for(request.user, entry.pk)
        data = request.POST.copy()
        data["version"] = str(current.memo_version)
        messages.error(request, error.message)
        return render_entry(request, current, status=409, memo_form=MemoForm(data))
    messages.success(request, SUCCESS_MESSAGES["memo"])
    return redirect("reviews:entry", pk=entry.pk)


@login_required
@require_POST
def entry_message(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    try:
        conversation.post_message(entry, by=request.user, body=request.POST.get("body", ""))
    except conversation.ConversationError as error:
        # Shown again with what was typed: a message a few characters too long is not lost.
        return render_entry(request, entry, message_error=error.message, status=400)
    messages.success(request, "メッセージを送りました。")
    return redirect(f"{reverse('reviews:entry', args=[entry.pk])}#conversation-heading")
