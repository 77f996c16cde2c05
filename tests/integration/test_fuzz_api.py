"""schemathesis against /api/v1/openapi.json, every operation, bounded so the suite stays fast.

Positive and negative examples with an operator key: no 5xx, every response matches the
documented schema (status, content type, body), invalid input is refused. The operations come
from the OpenAPI document itself, so a route added later is fuzzed without touching this file.
"""

from __future__ import annotations

import itertools
import os
import zlib
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from test_fuzz_cross_tenant import FIELD_IDS, path_value, world_b

from factories import make_api_key

MAX_EXAMPLES = int(os.environ.get("PRORATA_FUZZ_EXAMPLES", "5"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
COUNTS: Counter = Counter()
STATUSES: Counter = Counter()
KEYS = itertools.count(1)


@pytest.fixture
def real_ids(operator_secret):
    """A tenant with a subscription, license, invoice, callback request, endpoint and events."""
    ids, _ = world_b()
    return ids


def aim_at_real_objects(case, ids: dict[str, str]) -> None:
    """Half of the positive examples name real objects, so fuzzing reaches past the 404s."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= 255 and all(32 <= ord(c) < 127 for c in key):
        # A valid key is made unique, so that each body reaches the operation instead of being
        # refused as another body's key (which the idempotency tests cover); invalid keys stay.
        case.headers["Idempotency-Key"] = f"fuzz-{next(KEYS)}"
    meta = case._meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    seed = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
    if seed % 2:
        return
    for name in list(case.path_parameters or {}):
        value = path_value(case.operation.path, name, ids)
        if value is not None:
            case.path_parameters[name] = value
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in FIELD_IDS:
                case.body[name] = ids[FIELD_IDS[name]]


@pytest.fixture
def operator_secret(db, settings):
    settings.PRORATA_RATE_LIMIT = 0  # the fuzzer sends far more than 100 requests a second
    _, secret = make_api_key()
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def keep_connection() -> None:
    """The WSGI app is called directly: keep the test's connection (and its transaction) open
    across requests, as Django's own test client does (which reconnects the handlers after
    each of its requests, hence this before every call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_survives_fuzzing(case, operator_secret, real_ids):
    COUNTS[case.operation.label] += 1
    aim_at_real_objects(case, real_ids)
    keep_connection()
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {operator_secret}"},
        # Schema-valid data may still break a business rule (an empty code, a plan of another
        # currency) and be refused with a documented 4xx: that is not a defect.
        excluded_checks=[checks.positive_data_acceptance],
    )
    STATUSES[response.status_code] += 1


def test_every_operation_was_fuzzed(capsys):
    """Runs after the fuzzing above (same module, defined later): each operation got examples."""
    if not COUNTS:
        pytest.skip("the fuzzing test was deselected")
    operations = {result.ok().label for result in schema.get_all_operations()}
    missing = operations - set(COUNTS)
    with capsys.disabled():
        print(f"\nfuzz: {len(COUNTS)} operations, {sum(COUNTS.values())} examples (max_examples={MAX_EXAMPLES}); "
              f"responses: {dict(sorted(STATUSES.items()))}")
    assert not missing, missing
