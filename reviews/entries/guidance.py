"""What the entry page tells the person looking at it: the state, and what they can do next.

Decided from the workflow's answer (the actions this user may take now), never from state names
in a template, so the words cannot promise a button that is not there.
"""

from reviews.entries.workflow import Rule
from reviews.models import Entry, Round


def guidance(entry: Entry, actions: dict[str, Rule]) -> str:
    """One or two plain sentences for the banner under the entry's title."""
    if entry.round.state == Round.State.PUBLISHED:
        return "公表済みの評価回です。内容は変更できません。"
    if "submit" in actions:
        if entry.state == Entry.State.RETURNED:
            return "企画課から差し戻されています。下の「やりとり」で理由を確認し、直してからもう一度「提出する」を押してください。"
        return "下書きです。書き終えたら「提出する」を押してください。"
    if "approve" in actions:
        return "提出されています。内容を確認し、「承認する」か、理由を書いて「差し戻す」を押してください。"
    if entry.state == Entry.State.SUBMITTED:
        text = "提出済みです。企画課が確認しています。"
        if "withdraw" in actions:
            text += "直したいときは「提出を取り下げる」で下書きに戻せます。"
        return text
    if entry.state == Entry.State.APPROVED:
        return "承認済みです。変更が必要なときは企画課に連絡してください。"
    # A draft or returned entry this user cannot submit now.
    if "correct" in actions or "memo" in actions:
        return f"「{entry.get_state_display()}」です。担当課が入力しています。"
    if entry.round.state == Round.State.CLOSED:
        return ("評価回が締め切られたため、提出できません。期限の延長が必要なときは、"
                "企画課に担当課の提出期限の延長を依頼してください。")
    return f"「{entry.get_state_display()}」です。この評価を変更できるのは、この事業の担当課の職員です。"
