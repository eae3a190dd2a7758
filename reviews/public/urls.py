from django.urls import path

from reviews.public import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("data/", views.data_columns, name="data"),
    path("search/", views.search, name="search"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("<slug:strategy>/<int:year>/", views.round_page, name="round"),
    path("<slug:strategy>/<int:year>/summary/", views.summary, name="summary"),
    path("<slug:strategy>/<int:year>/opinions/", views.opinions, name="opinions"),
    path("<slug:strategy>/<int:year>/data.csv", views.data_csv, name="data-csv"),
    path("<slug:strategy>/<int:year>/data.json", views.data_json, name="data-json"),
]
