"""Schemathesis against the dashboard's OpenAPI schema: no server error, responses conform.

Every operation of ``/openapi.json`` is called with generated parameters and bodies (a few
hundred cases in all, bounded by :data:`EXAMPLES` per operation) on the ASGI app in
process. Each response must not be a 5xx and must match the schema: a documented status
code, content type and body shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bubblescope.dashboard import Settings, create_app
from bubblescope.dashboard.settings import Limits
from bubblescope.model.parse import build_web

#: Generated cases per operation (18 operations: a few hundred cases in all).
EXAMPLES = 10
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)


def _tiny_web() -> Any:
    tables = {
        "sources": [{"id": "s", "kind": "assumption", "citation": "test"}],
        "entities": [{"id": "a", "name": "A", "kind": "hyperscaler", "country": "US"},
                     {"id": "b", "name": "B", "kind": "bank", "country": "US"}],
        "contracts": [{"id": "c", "kind": "loan", "holder": "b", "obligor": "a",
                       "amount": "10", "status": "closed", "confidence": "high",
                       "source_ids": "s"}],
    }
    return build_web("tiny", dt.date(2025, 12, 31), tables)


APP = create_app(Settings(limits=Limits(max_paths=2, max_quarters=4, max_jobs=2)), _tiny_web())
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, headers={"host": "127.0.0.1:8000"})


@pytest.fixture(autouse=True, scope="module")
def _stop_jobs() -> Any:
    yield
    APP.state.dashboard.jobs.shutdown()


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # a generous read timeout: a loaded 2-core CI machine computes the signal pages slowly,
    # and the check is about conformance, not speed (benchmarks measure speed)
    case.call_and_validate(headers={"host": "127.0.0.1:8000"}, checks=CHECKS, timeout=120)
