"""API test harness: an APIClient per persona, an empty throttle cache per test."""

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _api_harness(settings, tmp_path):
    if os.environ.get("KPO_API_ISOLATED_URLS") == "1":
        settings.ROOT_URLCONF = "tests.api.urls"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """`api(user)` is an APIClient authenticated as `user` (None: anonymous)."""

    def _client(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client


def results(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def ids(response):
    return {row["id"] for row in results(response)}
