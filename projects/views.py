from django.contrib import messages
from django.contrib.auth import views as auth_views

from projects.models import StaffProfile


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also ends the 'change at first sign-in' requirement."""

    template_name = "registration/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        StaffProfile.objects.filter(user=self.request.user).update(must_change_password=False)
        messages.success(self.request, "パスワードを変更しました。")
        return response
