"""Pages of Through the Gate resettlement, mounted at /resettlement/ (DOMAIN.md 7).

Each section's views live in their own module; the URL names are used across the app and
in ``probation.roles`` next steps."""

from django.urls import path

from resettlement import views_custody, views_measures, views_prisons, views_tasks

EPISODE = "people/<str:crn>/custody/<int:episode_id>/"

app_name = "resettlement"
urlpatterns: list = [
    # Prisons, designation and NOMS's exceptions queue (views_prisons)
    path("prisons/", views_prisons.prison_list, name="prisons"),
    path("prisons/new/", views_prisons.prison_create, name="prison-create"),
    path("prisons/import/", views_prisons.designation_import, name="designation-import"),
    path(
        "prisons/<str:prison_code>/designation/",
        views_prisons.designation,
        name="designation",
    ),
    path("exceptions/", views_prisons.exceptions, name="exceptions"),
    path(EPISODE + "home-area/", views_prisons.home_area, name="home-area"),
    # Receptions, the prison's queue, custody episodes, screening, plans and sharing
    # (views_custody)
    path("prisons/<str:prison_code>/", views_custody.prison_queue, name="prison"),
    path(
        "prisons/<str:prison_code>/receptions/new/",
        views_custody.reception_create,
        name="reception-create",
    ),
    path("plans-received/", views_custody.plans_received, name="plans-received"),
    path("people/<str:crn>/custody/", views_custody.episode_list, name="episodes"),
    path(EPISODE, views_custody.episode_detail, name="episode"),
    path(EPISODE + "move/", views_custody.move, name="move"),
    path(EPISODE + "sentence/", views_custody.sentence, name="sentence"),
    path(EPISODE + "release/", views_custody.release, name="release"),
    path(EPISODE + "screening/part-1/", views_custody.screening_part1, name="screening-part1"),
    path(EPISODE + "screening/part-2/", views_custody.screening_part2, name="screening-part2"),
    path(EPISODE + "plan/", views_custody.plan, name="plan"),
    # Pre-release tasks, HDC home circumstances reports and ROTL input (views_tasks)
    path("pre-release/", views_tasks.task_list, name="pre-release"),
    path(EPISODE + "tasks/new/", views_tasks.task_request, name="task-request"),
    path(EPISODE + "tasks/<int:task_id>/", views_tasks.task_detail, name="task"),
    # The designated-release measure (views_measures)
    path(
        "measures/designated-release/",
        views_measures.designated_release,
        name="designated-release",
    ),
]
