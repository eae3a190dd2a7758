from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "実施事業評価"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415

        from reviews.entries.views import forget_anothers_typed_text  # noqa: PLC0415
        from reviews.kpis import records  # noqa: PLC0415 (models are ready only now)
        from reviews.public import cache  # noqa: PLC0415
        from reviews.rounds import year  # noqa: PLC0415
        from reviews.search import index  # noqa: PLC0415

        cache.connect()
        index.connect()
        records.connect()
        year.connect()
        user_logged_in.connect(forget_anothers_typed_text, dispatch_uid="reviews.forget_anothers_typed_text")
