"""Pages of the resettlement app, mounted at /resettlement/ (empty until its part of the
roadmap lands).
"""

app_name = "resettlement"
urlpatterns: list = []
