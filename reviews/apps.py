from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "実施事業評価"

    def ready(self) -> None:
        from reviews.kpis import records  # noqa: PLC0415 (models are ready only now)
        from reviews.public import cache  # noqa: PLC0415
        from reviews.rounds import year  # noqa: PLC0415
        from reviews.search import index  # noqa: PLC0415

        cache.connect()
        index.connect()
        records.connect()
        year.connect()
