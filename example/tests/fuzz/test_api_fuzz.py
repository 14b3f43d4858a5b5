"""Fuzz every API operation from the service's own OpenAPI document (schemathesis).

`make fuzz` runs it (FUZZ_EXAMPLES requests per operation, default 50), once as a
member and once as an administrator; `make test` leaves it out. Each generated
request must get an answer other than 5xx, and documented answers must match
their schemas.
"""

import os
from http import HTTPStatus

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from my_service.users.models import Role

from ..callers import bearer
from ..factories import UserFactory
from .conftest import tally

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(operation, caller) -> None:
    """Send generated requests to one operation as `caller`, and check every answer."""
    seen = tally(caller.role.value)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        # A fresh token each time: a generated sign-out must not end the rest of the run.
        response = case.call(headers=bearer(caller))
        seen["cases"] += 1
        seen["server_errors"] += response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.fuzz
@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_no_generated_request_gets_a_server_error(app: Flask, role: Role):
    caller = UserFactory(email=f"fuzz-{role.value}@example.com", role=role)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz(operation, caller)
        except Exception as error:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
