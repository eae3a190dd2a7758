from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from projects.views import LogoutView, PasswordChangeView, my_settings

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(success_url="/"), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("settings/", my_settings, name="settings"),
    path("admin/", admin.site.urls),
    path("public/", include("reviews.public.urls")),  # settings.PUBLIC_PREFIX
    path("", include("reviews.urls")),
]

handler400 = "iruma_eval.errors.bad_request"
handler403 = "iruma_eval.errors.permission_denied"
handler404 = "iruma_eval.errors.page_not_found"
handler500 = "iruma_eval.errors.server_error"
