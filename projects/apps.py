from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    # Two configs live in this module, so Django needs to be told which one "projects" means;
    # without it the admin's heading was the bare English "Projects".
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = "総合戦略と事業"


class AxesConfig(AxesAppConfig):
    """django-axes under a Japanese heading in the admin (its own is "Axes")."""

    verbose_name = "サインインの保護"
