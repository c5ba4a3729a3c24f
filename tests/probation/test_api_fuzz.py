"""Fuzzing every API operation from its OpenAPI schema (schemathesis): bad input gets a
4xx with the one error shape, never a 500."""

import json
from urllib.parse import urlencode

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis.core import NotSet

from tests.probation.factories import person_of, staff

pytestmark = pytest.mark.django_db


def _operations():
    import schemathesis

    spec = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(spec, default=str)))
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_survives_generated_input():
    client = APIClient()
    client.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    person_of("NPS", ldu_crc="CRC11")
    operations = _operations()
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /api/v1/people/",
        "POST /api/v1/people/",
        "PATCH /api/v1/people/{crn}/",
        "GET /api/v1/organisations/{code}/",
    }
    server_errors = []
    for operation in operations:

        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            body = None if isinstance(case.body, NotSet) else case.body
            query = None if isinstance(case.query, NotSet) else case.query
            response = client.generic(
                case.method,
                case.formatted_path,
                data=json.dumps(body) if body is not None else "",
                content_type="application/json",
                QUERY_STRING=urlencode(query or {}, doseq=True),
            )
            if response.status_code >= 500:
                server_errors.append((case.method, case.formatted_path, body, query))
            elif response.status_code >= 400 and response.get("Content-Type", "").startswith(
                "application/json"
            ):
                assert "errors" in response.json()

        call()
    assert server_errors == []
