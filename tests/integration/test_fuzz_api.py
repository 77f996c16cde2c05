"""schemathesis against /api/v1/openapi.json, every operation, bounded so the suite stays fast.

Positive and negative examples with an operator key: no 5xx, every response matches the
documented schema (status, content type, body), invalid input is refused. The operations come
from the OpenAPI document itself, so a route added later is fuzzed without touching this file.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from factories import make_api_key

MAX_EXAMPLES = int(os.environ.get("PRORATA_FUZZ_EXAMPLES", "5"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
COUNTS: Counter = Counter()


@pytest.fixture
def operator_secret(db, settings):
    settings.PRORATA_RATE_LIMIT = 0  # the fuzzer sends far more than 100 requests a second
    # The WSGI app is called directly: keep the test's connection (and its transaction) open
    # across requests, as Django's own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    _, secret = make_api_key()
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_survives_fuzzing(case, operator_secret):
    COUNTS[case.operation.label] += 1
    case.call_and_validate(
        headers={"Authorization": f"Bearer {operator_secret}"},
        # Schema-valid data may still break a business rule (an empty code, a plan of another
        # currency) and be refused with a documented 4xx: that is not a defect.
        excluded_checks=[checks.positive_data_acceptance],
    )


def test_every_operation_was_fuzzed(capsys):
    """Runs after the fuzzing above (same module, defined later): each operation got examples."""
    if not COUNTS:
        pytest.skip("the fuzzing test was deselected")
    operations = {result.ok().label for result in schema.get_all_operations()}
    missing = operations - set(COUNTS)
    with capsys.disabled():
        print(f"\nfuzz: {len(COUNTS)} operations, {sum(COUNTS.values())} examples (max_examples={MAX_EXAMPLES})")
    assert not missing, missing
