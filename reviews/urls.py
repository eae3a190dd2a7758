from django.urls import path

from reviews.views import entries, rounds

app_name = "reviews"

urlpatterns = [
    path("", rounds.home, name="home"),
    path("rounds/<int:pk>/", rounds.round_entries, name="round"),
    path("rounds/<int:pk>/queue/", rounds.queue, name="queue"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry"),
    path("entries/<int:pk>/edit/", entries.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/withdraw/", entries.entry_withdraw, name="entry-withdraw"),
    path("entries/<int:pk>/return/", entries.entry_return, name="entry-return"),
    path("entries/<int:pk>/approve/", entries.entry_approve, name="entry-approve"),
    path("entries/<int:pk>/reopen/", entries.entry_reopen, name="entry-reopen"),
    path("entries/<int:pk>/memo/", entries.entry_memo, name="entry-memo"),
]
