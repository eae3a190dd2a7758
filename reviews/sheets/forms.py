"""The sheet forms, one set for the screens and the admin: which sheet, the file, a new round's year."""

from django import forms

from projects.forms import DepartmentField, file_messages
from projects.models import Strategy
from reviews.access import may_use_city_sheet, sheet_departments_for
from reviews.rounds.forms import FiscalYearField

CITY_SHEET_LABEL = "市全体（すべての事業）"


class SheetChoiceForm(forms.Form):
    """Which sheet: one of the user's departments, or (reviewers and administrators) the whole city's."""

    department = forms.ModelChoiceField(label="どの入力表か", queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if may_use_city_sheet(user):
            # Every department's sheet: typed, not a select of nearly a thousand departments.
            self.fields["department"] = DepartmentField(
                label="どの入力表か", required=False,
                help_text=f"空欄なら{CITY_SHEET_LABEL}の入力表です。担当課の入力表は部署名（の一部）を入力します。")
            return
        field = self.fields["department"]
        field.queryset = sheet_departments_for(user).order_by("name")
        field.required = True
        field.empty_label = None


class DownloadForm(SheetChoiceForm):
    with_memo = forms.BooleanField(label="企画課の内部用メモを含める（内部用）", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not may_use_city_sheet(user):
            del self.fields["with_memo"]


class UploadForm(SheetChoiceForm):
    file = forms.FileField(label="入力表ファイル（.xlsx）", error_messages=file_messages("取り込む入力表のファイル（.xlsx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["department"].help_text += "担当課の入力表なら、その課の行だけが変更できます。"


class NewRoundForm(forms.Form):
    """Loading a sheet as a new round (administrators): the file may be absent on confirmation,
    when the staged file is named by the token."""

    file = forms.FileField(label="入力表ファイル（.xlsx）", error_messages=file_messages("取り込む入力表のファイル（.xlsx）"))
    fiscal_year = FiscalYearField(label="年度", help_text="例: 2019、R1、令和元年度")
    strategy = forms.ModelChoiceField(
        label="総合戦略", queryset=Strategy.objects.all(), required=False, empty_label="入力表の表題から",
        help_text="選ぶと、入力表の表題がその総合戦略であることを確かめます（表題のない入力表はその総合戦略として読み込みます）。",
    )
    allow_new_departments = forms.BooleanField(label="登録されていない担当課を作成する", required=False)
    historical = forms.BooleanField(label="過去の評価回として読み込む（公表済み・全件承認済み）", required=False)
