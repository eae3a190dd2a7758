"""The committee's loop on screen: a published round's opinions (recorded by the planning
division), and in the next round each department's answers, reviewed like entries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from projects.access import is_reviewer
from reviews.access import (
    answers_visible_to,
    get_answer_for,
    get_opinion_for,
    get_round_for,
    opinions_visible_to,
)
from reviews.entries.workflow import RULES, WorkflowError
from reviews.models import Answer, Opinion
from reviews.results import answers as answer_life
from reviews.results import opinions as opinion_life
from reviews.results.forms import AnswerCommentForm, AnswerForm, OpinionEditForm, OpinionForm
from reviews.rounds.life import next_round, previous_round

SUCCESS = {
    "save": "対応方針を下書き保存しました。",
    "submit": "対応方針を提出しました。企画課の審査を待っています。",
    "withdraw": "対応方針の提出を取り下げました。",
    "return": "対応方針を差し戻しました。",
    "approve": "対応方針を承認しました。",
    "reopen": "対応方針の承認を取り消して差し戻しました。",
}


@login_required
def round_opinions(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's committee opinions; reviewers record new ones here while they may."""
    round_ = get_round_for(request.user, pk)
    may_record = opinion_life.may_record(request.user, round_)
    form = None
    if may_record:
        form = OpinionForm(request.POST or None, round_=round_)
        if request.method == "POST" and form.is_valid():
            try:
                opinion = opinion_life.record_opinion(
                    round_, by=request.user, subject=form.cleaned_data["subject"], target=form.target,
                    text=form.cleaned_data["text"], departments=form.cleaned_data["departments"])
            except opinion_life.OpinionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "委員会意見を登録しました。")
                return redirect("reviews:opinion", pk=opinion.pk)
    elif request.method == "POST":
        raise PermissionDenied(opinion_life.why_not_editable(round_) if is_reviewer(request.user)
                               else "委員会意見の登録は企画課の審査担当者だけが行えます。")
    visible = opinions_visible_to(request.user).filter(round=round_).prefetch_related(
        "departments",
        Prefetch("answers", queryset=answers_visible_to(request.user).order_by("department__name"),
                 to_attr="visible_answers"),
    ).order_by("pk")
    return render(request, "reviews/results/opinions.html", {
        "round": round_, "opinions": visible, "form": form, "may_record": may_record,
        "why_not": "" if may_record else opinion_life.why_not_editable(round_),
        "next_round": next_round(round_),
    }, status=400 if form is not None and form.errors else 200)


@login_required
def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_opinion_for(request.user, pk)
    return _render_opinion(request, opinion)


def _render_opinion(request: HttpRequest, opinion: Opinion, form: OpinionEditForm | None = None,
                    status: int = 200, unsaved_text: str = "") -> HttpResponse:
    may_edit = opinion_life.may_record(request.user, opinion.round)
    if may_edit and form is None:
        form = OpinionEditForm(initial={"text": opinion.text, "departments": list(opinion.departments.all())})
    answers = answers_visible_to(request.user).filter(opinion=opinion).order_by("department__name")
    return render(request, "reviews/results/opinion.html", {
        "opinion": opinion, "departments": opinion.departments.order_by("name"), "answers": answers,
        "form": form if may_edit else None, "next_round": next_round(opinion.round), "unsaved_text": unsaved_text,
    }, status=status)


@login_required
@require_POST
def opinion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_opinion_for(request.user, pk)
    form = OpinionEditForm(request.POST)
    if not form.is_valid():
        return _render_opinion(request, opinion, form, status=400)
    try:
        opinion_life.edit_opinion(opinion, by=request.user, text=form.cleaned_data["text"],
                                  departments=form.cleaned_data["departments"])
    except opinion_life.OpinionError as error:
        form.add_error(None, error.message)
        messages.error(request, error.message)
        # When the opinion can no longer change, the form is gone: what was typed is shown instead.
        return _render_opinion(request, opinion, form, status=409, unsaved_text=form.cleaned_data["text"])
    messages.success(request, "委員会意見を変更しました。")
    return redirect("reviews:opinion", pk=opinion.pk)


@login_required
def opinion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the deletion of an opinion recorded by mistake."""
    opinion = get_opinion_for(request.user, pk)
    if not opinion_life.may_record(request.user, opinion.round):
        raise PermissionDenied(opinion_life.why_not_editable(opinion.round) if is_reviewer(request.user)
                               else "委員会意見の削除は企画課の審査担当者だけが行えます。")
    if request.method == "POST":
        try:
            opinion_life.delete_opinion(opinion, by=request.user)
        except opinion_life.OpinionError as error:
            messages.error(request, error.message)
            return redirect("reviews:opinion", pk=opinion.pk)
        messages.success(request, "委員会意見を削除しました。")
        return redirect("reviews:round-opinions", pk=opinion.round_id)
    return render(request, "reviews/results/opinion_delete.html", {"opinion": opinion})


@login_required
def round_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers to write or review in this round: a department's own, or all for reviewers."""
    round_ = get_round_for(request.user, pk)
    answers = list(
        answers_visible_to(request.user).filter(round=round_)
        .prefetch_related("opinion__departments").order_by("opinion_id", "department__name")
    )
    return render(request, "reviews/results/answers.html", {
        "round": round_, "answers": answers, "previous": previous_round(round_),
        "unfinished": sum(1 for a in answers if a.is_unfinished),
    })


def _render_answer(request: HttpRequest, answer: Answer, *, form: AnswerForm | None = None, status: int = 200,
                   comment_error: tuple[str, str] | None = None) -> HttpResponse:
    actions = {rule.action: rule for rule in answer_life.available_actions(answer, request.user)}
    events = list(answer.events.select_related("actor"))
    if form is None and "save" in actions:
        form = AnswerForm(initial={"version": answer.version, "text": answer.text})
    return render(request, "reviews/results/answer.html", {
        "answer": answer, "opinion": answer.opinion, "actions": actions, "form": form if "save" in actions else None,
        "transitions": [
            {"rule": actions[a], "error": comment_error[1] if comment_error and comment_error[0] == a else "",
             "typed": request.POST.get("comment", "") if comment_error and comment_error[0] == a else ""}
            for a in answer_life.TRANSITIONS if a in actions and a != "submit"
        ],
        "events": events,
        "return_reason": answer_life.return_reason(answer, events),
        "comment_form": AnswerCommentForm(initial={"version": answer.version}),
    }, status=status)


@login_required
def answer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_answer(request, get_answer_for(request.user, pk))


@login_required
@require_POST
def answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the answer as a draft or submit it (saving first): the button says which."""
    answer = get_answer_for(request.user, pk)
    intent = request.POST.get("intent")
    if intent not in ("save", "submit"):
        return HttpResponseBadRequest("不明な操作です。")
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _render_answer(request, answer, form=form, status=400)
    version, text = form.cleaned_data["version"], form.cleaned_data["text"]
    try:
        if intent == "save":
            answer_life.save_answer(answer, by=request.user, version=version, text=text)
        else:
            answer_life.submit_answer(answer, by=request.user, version=version, text=text)
    except WorkflowError as error:
        current = get_answer_for(request.user, answer.pk)
        if error.draft_saved:
            messages.info(request, "入力した内容は下書きとして保存しました（まだ提出されていません）。")
        data = request.POST.copy()
        if error.draft_saved or isinstance(error, answer_life.StaleAnswerError):
            data["version"] = str(current.version)
        form = AnswerForm(data)
        form.is_valid()
        messages.error(request, error.message)
        return _render_answer(request, current, form=form, status=409)
    messages.success(request, SUCCESS[intent])
    return redirect("reviews:answer", pk=answer.pk)


@login_required
@require_POST
def answer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    answer = get_answer_for(request.user, pk)
    function = answer_life.ANSWER_TRANSITION_FUNCTIONS.get(action)
    if function is None:
        return HttpResponseBadRequest("不明な操作です。")
    form = AnswerCommentForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            return _render_answer(request, answer, status=400, comment_error=(action, " ".join(form.errors["comment"])))
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
        return redirect("reviews:answer", pk=answer.pk)
    comment = form.cleaned_data["comment"]
    if RULES[action].needs_comment and not comment.strip():
        return _render_answer(request, answer, status=400, comment_error=(
            action, "理由を入力してください。担当課に伝わる内容を書いてください（空白だけでは送れません）。"))
    kwargs = {} if action == "withdraw" else {"comment": comment}
    try:
        function(answer, by=request.user, version=form.cleaned_data["version"], **kwargs)
    except WorkflowError as error:
        messages.error(request, error.message)
        return _render_answer(request, get_answer_for(request.user, answer.pk), status=409,
                              comment_error=(action, error.message))
    messages.success(request, SUCCESS[action])
    return redirect("reviews:answer", pk=answer.pk)
