"""What the entry page tells the person looking at it: the state, what they can do now and, when
nothing, why and who can change that.

One table (docs/domain.md, "The entry page's banner"): entry state × round state × role → the
banner. The buttons are never listed here: the page offers exactly what the workflow's rules
allow (reviews.entries.workflow.available_actions), and the tests check the table's buttons
column against them row by row. A few rows depend on more than the three keys (a deadline that
has passed, an extension, a reviewer who wrote the text); guidance() says which.
"""

from projects.access import is_member_for, is_reviewer
from reviews.entries.workflow import Rule
from reviews.models import Entry, Round

STAFF, REVIEWER, VIEWER = "staff", "reviewer", "viewer"
DRAFT, SUBMITTED, RETURNED, APPROVED = (s.value for s in Entry.State)
PREPARING, OPEN, CLOSED, PUBLISHED = (s.value for s in Round.State)

PUBLISHED_TEXT = "公表済みの評価回です。内容は変更できません。"
APPROVED_STAFF = "承認済みです。変更が必要なときは企画課に連絡してください。"
APPROVED_REVIEWER = "承認済みです。直す必要があるときは、理由を書いて「承認を取り消して差し戻す」を押してください。"
REVIEW_NOW = "提出されています。内容を確認し、「承認する」か、理由を書いて「差し戻す」を押してください。"
RETURNED_STAFF = "企画課から差し戻されています。上の「差戻しの理由」を確認し、直してからもう一度「提出する」を押してください。"
RETURNED_REVIEWER = "差し戻し中です。担当課が直して再提出するのを待っています。"

# (entry state, round state, role) → banner. Preparing rounds are seen by reviewers only.
BANNERS: dict[tuple[str, str, str], str] = {
    (DRAFT, PREPARING, REVIEWER): "準備中の評価回です。受付を開始すると、担当課が入力できるようになります。",
    (DRAFT, OPEN, STAFF): "下書きです。書き終えたら「提出する」を押してください。",
    (DRAFT, OPEN, REVIEWER): "担当課が入力中です（下書き）。提出されると審査待ち一覧に出ます。",
    (SUBMITTED, OPEN, STAFF): "提出済みです。企画課が確認しています。直したいときは「提出を取り下げる」で下書きに戻せます。",
    (SUBMITTED, OPEN, REVIEWER): REVIEW_NOW,
    (RETURNED, OPEN, STAFF): RETURNED_STAFF,
    (RETURNED, OPEN, REVIEWER): RETURNED_REVIEWER,
    (APPROVED, OPEN, STAFF): APPROVED_STAFF,
    (APPROVED, OPEN, REVIEWER): APPROVED_REVIEWER,
    (DRAFT, CLOSED, STAFF): ("評価回が締め切られたため、提出できません。提出が必要なときは、"
                             "企画課に担当課の提出期限の延長を依頼してください。"),
    (DRAFT, CLOSED, REVIEWER): ("締め切り後も提出されていません。必要なら「評価回の管理」で"
                                "担当課の提出期限を延長できます。"),
    (SUBMITTED, CLOSED, STAFF): "提出済みです。企画課が確認しています（締め切り後のため、取り下げはできません）。",
    (SUBMITTED, CLOSED, REVIEWER): REVIEW_NOW,
    (RETURNED, CLOSED, STAFF): RETURNED_STAFF,
    (RETURNED, CLOSED, REVIEWER): RETURNED_REVIEWER,
    (APPROVED, CLOSED, STAFF): APPROVED_STAFF,
    (APPROVED, CLOSED, REVIEWER): APPROVED_REVIEWER,
}

# Rows that depend on more than the three keys.
PAST_DEADLINE_DRAFT = "提出期限を過ぎているため提出できません。提出が必要なときは、企画課に期限の延長を依頼してください。"
PAST_DEADLINE_SUBMITTED = "提出済みです。企画課が確認しています（提出期限を過ぎたため、取り下げはできません）。"
EXTENDED_DRAFT = "締め切られましたが、この課は提出期限が延長されています。書き終えたら「提出する」を押してください。"
OWN_TEXT = ("提出されています。この内容にはあなたが記載した部分があるため、あなたは承認できません。"
            "別の審査担当者が承認します（差し戻しはできます）。")
VIEWER_TEXT = "この評価を変更できるのは、この事業の担当課の職員と企画課の審査担当者です。"


def role_for(entry: Entry, user) -> str:
    """The user's part in this entry: its department's staff, a reviewer, or someone who only looks."""
    if is_reviewer(user):
        return REVIEWER
    if is_member_for(user, entry.project, entry.round.fiscal_year):
        return STAFF
    return VIEWER


def guidance(entry: Entry, user, actions: dict[str, Rule]) -> str:
    """The banner for ``user`` on ``entry`` now, given the actions the workflow allows them."""
    round_state = entry.round.state
    if round_state == PUBLISHED:
        return PUBLISHED_TEXT
    role = role_for(entry, user)
    if role == REVIEWER and actions.keys() & {"save", "submit", "withdraw"}:
        role = STAFF  # a reviewer who is also one of the project's departments: the department's words
    if role == VIEWER:
        return VIEWER_TEXT
    if role == STAFF and entry.state == DRAFT and round_state == CLOSED and "submit" in actions:
        return EXTENDED_DRAFT
    if role == STAFF and entry.state == DRAFT and round_state == OPEN and "submit" not in actions:
        return PAST_DEADLINE_DRAFT
    if role == STAFF and entry.state == SUBMITTED and round_state == OPEN and "withdraw" not in actions:
        return PAST_DEADLINE_SUBMITTED
    if role == REVIEWER and entry.state == SUBMITTED and round_state in (OPEN, CLOSED) and "approve" not in actions:
        return OWN_TEXT
    return BANNERS.get((entry.state, round_state, role), VIEWER_TEXT)
