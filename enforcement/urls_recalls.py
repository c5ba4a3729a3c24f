"""Pages of recall requests: NPS senior manager endorsement and PPCS decisions
(mounted under /enforcement/)."""

urlpatterns: list = []
