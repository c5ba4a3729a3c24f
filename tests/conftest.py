import os

import pytest


def pytest_collection_modifyitems(config, items):
    """Service and browser tests skip on a bare machine, but CI requires them to run."""
    for item in items:
        if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
            if os.environ.get("REQUIRE_SERVICE_TESTS"):
                raise pytest.UsageError("REDIS_URL must be set: CI runs the Redis tests")
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (a real Redis)"))


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
