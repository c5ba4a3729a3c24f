"""Pages of failures to comply, warnings and breach referrals (NPS enforcement officers)
(mounted under /enforcement/)."""

urlpatterns: list = []
