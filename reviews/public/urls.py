from django.urls import path, register_converter

from reviews.public import views
from reviews.public.converters import FiscalYearConverter

register_converter(FiscalYearConverter, "fiscal_year")

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("data/", views.data_columns, name="data"),
    path("search/", views.search, name="search"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("<slug:strategy>/<fiscal_year:year>/", views.round_page, name="round"),
    path("<slug:strategy>/<fiscal_year:year>/summary/", views.summary, name="summary"),
    path("<slug:strategy>/<fiscal_year:year>/opinions/", views.opinions, name="opinions"),
    path("<slug:strategy>/<fiscal_year:year>/data.csv", views.data_csv, name="data-csv"),
    path("<slug:strategy>/<fiscal_year:year>/data.json", views.data_json, name="data-json"),
    path("<slug:strategy>/<fiscal_year:year>/kpis.csv", views.kpi_csv, name="kpi-csv"),
    path("<slug:strategy>/<fiscal_year:year>/kpis.json", views.kpi_json, name="kpi-json"),
]
