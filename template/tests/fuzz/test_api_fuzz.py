"""Fuzz every API operation from the service's own OpenAPI document (schemathesis).

`make fuzz` runs it (FUZZ_EXAMPLES requests per operation, default 50); `make test`
leaves it out. Each generated request must get an answer other than 5xx, and
documented answers must match their schemas.
"""

import os
from http import HTTPStatus

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .conftest import SEEN

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(operation) -> None:
    """Send generated requests to one operation and check every answer."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        response = case.call()
        SEEN["cases"] += 1
        SEEN["server_errors"] += response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.fuzz
def test_no_generated_request_gets_a_server_error(app: Flask):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz(operation)
        except Exception as error:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
