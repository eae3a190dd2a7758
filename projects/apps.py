from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = "総合戦略と事業"


class AxesConfig(AxesAppConfig):
    """django-axes under a Japanese heading in the admin (its own is "Axes")."""

    verbose_name = "サインインの保護"
