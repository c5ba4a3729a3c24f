"""Pages of the allocation app, mounted at /allocation/ (empty until its part of the roadmap
lands).
"""

app_name = "allocation"
urlpatterns: list = []
