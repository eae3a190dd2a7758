from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from projects.access import is_reviewer
from projects.models import StaffProfile


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, which then says so on the sign-in page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "ログアウトしました。")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also ends the 'change at first sign-in' requirement."""

    template_name = "registration/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        StaffProfile.objects.filter(user=self.request.user).update(must_change_password=False)
        messages.success(self.request, "パスワードを変更しました。")
        return response


class SettingsForm(forms.Form):
    digest_enabled = forms.BooleanField(
        label="提出のまとめメールを受け取る（一日一通、前日からの提出の一覧）", required=False,
    )


@login_required
def my_settings(request: HttpRequest) -> HttpResponse:
    """A person's own settings: for reviewers, whether they take the daily digest."""
    reviewer = is_reviewer(request.user)
    profile, _ = StaffProfile.objects.get_or_create(user=request.user)
    # An unticked box sends nothing at all, so an empty POST is still a submitted form.
    form = SettingsForm(request.POST if request.method == "POST" else None,
                        initial={"digest_enabled": profile.digest_enabled})
    if request.method == "POST" and reviewer and form.is_valid():
        profile.digest_enabled = form.cleaned_data["digest_enabled"]
        profile.save(update_fields=["digest_enabled"])
        messages.success(request, "設定を保存しました。")
        return redirect("settings")
    return render(request, "projects/settings.html", {"form": form, "reviewer": reviewer})
