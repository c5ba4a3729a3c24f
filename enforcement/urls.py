"""Pages of the enforcement app, mounted at /enforcement/ (empty until its part of the roadmap
lands).
"""

app_name = "enforcement"
urlpatterns: list = []
