"""The help page: for each role, what to do now, the Excel path step by step, what each state means."""

from django.utils import timezone

from projects.access import is_administrator, is_reviewer
from projects.fiscal_year import format_date
from reviews.access import entries_visible_to
from reviews.models import Entry, HelpContact, Round
from reviews.rounds.life import deadline_for
from reviews.rounds.lists import current_round

STATE_MEANINGS = [
    (Entry.State.DRAFT.label, "担当課が入力中です。「下書き保存」で途中まで保存でき、書き終えたら「提出する」を押します。"),
    (Entry.State.SUBMITTED.label, "企画課が確認しています。確認前なら担当課は「提出を取り下げる」で下書きに戻せます。"),
    (Entry.State.RETURNED.label, "企画課から直すよう頼まれています。評価の画面の一番上に理由があります。直して、もう一度提出します。"),
    (Entry.State.APPROVED.label, "企画課が承認しました。変更が必要なときは企画課に連絡します。"),
]
ROUND_MEANINGS = [
    (Round.State.PREPARING.label, "企画課が対象の事業や提出期限を準備しています。担当課にはまだ見えません。"),
    (Round.State.OPEN.label, "担当課が入力・提出できます。提出期限までに提出します。"),
    (Round.State.CLOSED.label, "締め切られました。差し戻された評価（と、期限を延長された課の評価）だけを直して提出できます。"),
    (Round.State.PUBLISHED.label, "公表されました。誰も変更できません。入力表はこのときの内容で残ります。"),
]


def role_name(user) -> str:
    if is_administrator(user):
        return "管理者"
    return "企画課 審査担当" if is_reviewer(user) else "担当課職員"


def now_to_do(user) -> list[str]:
    """What this person should do this month, from the round people are working in."""
    round_ = current_round(user)
    if round_ is None:
        return ["いま受付中の評価回はありません。企画課が次の評価回を始めると、お知らせが届きます。"]
    if is_reviewer(user) or is_administrator(user):
        entries = round_.entries
        waiting = entries.filter(state=Entry.State.SUBMITTED).count()
        left = entries.filter(state__in=Entry.UNFINISHED_STATES).count()
        steps = [f"{round_.display_name}（{round_.get_state_display()}）: 審査待ちが {waiting} 件、未提出が {left} 件あります。"
                 "「審査待ち」で古い提出から確認し、承認するか理由を書いて差し戻してください。"]
        if round_.state == Round.State.OPEN and round_.deadline:
            steps.append(f"提出期限は {format_date(round_.deadline)} です。遅れている課は「進み具合」で分かります。")
        return steps
    mine = entries_visible_to(user).filter(round=round_)
    left = mine.filter(state__in=Entry.UNFINISHED_STATES).count()
    returned = mine.filter(state=Entry.State.RETURNED).count()
    department_ids = {link.department_id for e in mine.prefetch_related("project__project_departments")
                      for link in e.project.project_departments.all()}
    deadline = deadline_for(round_, department_ids)
    steps = [f"{round_.display_name}: 課の評価 {mine.count()} 件のうち、まだ提出していないものが {left} 件あります。"]
    if returned:
        steps.append(f"差し戻された評価が {returned} 件あります。評価の画面の一番上の理由を読んで直し、もう一度提出してください。")
    if deadline and round_.state == Round.State.OPEN:
        days = (deadline - timezone.localdate()).days
        steps.append(f"提出期限は {format_date(deadline)} です（{'あと ' + str(days) + ' 日' if days >= 0 else '過ぎています'}）。")
    return steps


def contact() -> str:
    note = HelpContact.objects.first()
    return note.text if note else "企画課（総合戦略の担当）にお問い合わせください。"
