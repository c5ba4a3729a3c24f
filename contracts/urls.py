"""Pages of the contracts app, mounted at /contracts/ (empty until its part of the roadmap
lands).
"""

app_name = "contracts"
urlpatterns: list = []
