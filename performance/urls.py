"""Pages of the performance app, mounted at /performance/ (DOMAIN.md 10; issue 9): the
national overview and funnel plots for NOMS, one organisation's page with trends and the
cases behind each figure (a CRC's managers and an NPS division's head see their own only),
the facts job's status, and the open-data tables (published ones readable without signing
in)."""

from django.urls import path

from performance import views_dashboards, views_facts, views_open_data, views_organisation

ORGANISATION = "organisations/<str:org_code>/"

app_name = "performance"
urlpatterns: list = [
    # Dashboards (views_dashboards)
    path("", views_dashboards.overview, name="overview"),
    path("mine/", views_organisation.mine, name="mine"),
    path("compare/", views_dashboards.funnel_page, name="funnel"),
    path(ORGANISATION, views_organisation.organisation, name="organisation"),
    path(ORGANISATION + "<str:measure>/<str:month>/", views_organisation.cases, name="cases"),
    path(
        ORGANISATION + "<str:measure>/<str:month>/cases.csv",
        views_organisation.cases_csv,
        name="cases-csv",
    ),
    # The monthly facts job (views_facts)
    path("facts/", views_facts.facts_status, name="facts"),
    # Open data (views_open_data)
    path("open-data/", views_open_data.table_list, name="open-data"),
    path("open-data/publish/", views_open_data.publish, name="publish"),
    path("open-data/<int:table_id>/", views_open_data.table_detail, name="table"),
    path("open-data/<int:table_id>/table.csv", views_open_data.table_csv, name="table-csv"),
    path(
        "open-data/<int:table_id>/metadata.csv",
        views_open_data.table_metadata,
        name="table-metadata",
    ),
]
