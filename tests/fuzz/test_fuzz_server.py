"""The HTTP service fuzzed over a real socket on 127.0.0.1: schemathesis against its OpenAPI
description, and whole case bodies from the case generator. Never a 500; every error a JSON
answer that names no planted value."""

from __future__ import annotations

import json
import random

import pytest
from fuzzkit import EXAMPLES, PLANTED, Live, case, inputs_of, subjects
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _operations() -> list[object]:
    from carepath.serve import api as server

    schema = schemathesis.openapi.from_dict(server.create_app().openapi())
    return [result.ok() for result in schema.get_all_operations()]


OPERATIONS = _operations()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: f"{o.method.upper()} {o.path}")  # type: ignore[attr-defined]
def test_no_request_the_schema_allows_gives_a_500(live: Live, operation: object) -> None:
    """schemathesis draws requests from the service's own OpenAPI description (its schema
    plugin is driven directly: the pytest plugin of schemathesis 4 does not load under pytest 9)."""

    @FUZZ
    @given(operation.as_strategy())  # type: ignore[attr-defined]
    def probe(case: object) -> None:
        response = case.call(base_url=live.base)  # type: ignore[attr-defined]
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert set(response.json()) >= {"error", "message"}

    probe()


@FUZZ
@given(st.sampled_from(subjects()), st.randoms(use_true_random=False), st.booleans())
def test_any_case_body_is_answered_without_a_500_or_a_leak(
    live: Live, name: str, rng: random.Random, raw: bool
) -> None:
    data = case(inputs_of(name), rng)
    body = json.dumps(data, default=str).encode()
    if raw:  # damaged bytes: not UTF-8, a lone surrogate escape, cut short
        at = rng.randrange(len(body) + 1)
        body = body[:at] + rng.choice([b"\xff", b'"\\udc00"', b"", b"\x00"]) + body[at:]
    pipeline = name in ("intl/care_path", "intl/follow_up")
    path = (
        f"/assess?pipeline={name}&redact=true&trace=true"
        if pipeline
        else f"/rulesets/{name}/evaluate?redact=true"
    )
    status, _, answer = live.call("POST", path, body)
    assert status < 500, answer
    if status >= 400:
        assert set(answer) >= {"error", "message"}
        assert PLANTED not in answer["message"]
