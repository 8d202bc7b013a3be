"""Issue 15, the HTTP service: JSON bodies read as JSON, bounded cost, 415 and 405 with Allow."""

from __future__ import annotations

import json
import time

from fuzzkit import PLANTED, Live

ADULT = {"age": 24, "act": ["recruitment"], "purpose": ["forced_labour"], "means": "unknown"}


def test_4_characters_above_u_ffff_are_read_not_a_500(live: Live) -> None:
    body = {"case_id": "c", "description": "note \U0001f642", "answers": ADULT}
    status, _, data = live.call("POST", "/rulesets/intl/palermo/evaluate", json.dumps(body).encode())
    assert status == 200, data
    key = {**ADULT, "\U0001f642": 1}
    status, _, data = live.call("POST", "/rulesets/intl/palermo/evaluate", json.dumps(key).encode())
    assert status == 422 and data["error"] == "UnknownFieldError" and "\U0001f642" not in data["message"]
    raw = json.dumps(ADULT | {"means": "\U0001f642"}, ensure_ascii=True).encode()  # as \\ud83d\\ude42
    assert live.call("POST", "/rulesets/intl/palermo/evaluate", raw)[0] == 422


def test_4_a_lone_surrogate_or_a_repeated_key_is_422(live: Live) -> None:
    for raw in (b'{"age": 16, "means": "\\ud83d"}', b'{"age": 16, "age": 17}', b'{"age": NaN}'):
        status, _, data = live.call("POST", "/rulesets/intl/palermo/evaluate", raw)
        assert status == 422 and data["error"] == "CaseFormatError", raw


def test_6_a_body_at_the_limit_costs_well_under_a_second(live: Live) -> None:
    from carepath.serve.api import MAX_BODY

    items = (MAX_BODY - 20) // len('"recruitment",')
    raw = ('{"act": [' + ",".join(['"recruitment"'] * items) + "]}").encode()
    assert len(raw) <= MAX_BODY
    started = time.perf_counter()
    status, _, _ = live.call("POST", "/rulesets/intl/palermo/evaluate", raw)
    assert status < 500 and time.perf_counter() - started < 1.0
    deep = ("[" * 10_000 + "]" * 10_000).encode()
    assert live.call("POST", "/assess", b'{"a": ' + deep + b"}")[0] == 422


def test_7_redacted_assess_masks_the_plan_dates(live: Live) -> None:
    case = {
        "stage": "placement",
        "current_placement": "residential_care",
        "age": 12,
        "placement_start": "2026-03-01",
        "last_placement_review": "2026-07-14",
    }
    path = "/assess?as_of=2026-11-23&trace=true&redact=true"
    status, _, data = live.call("POST", path, json.dumps(case).encode())
    assert status == 200
    text = json.dumps(data)
    assert "2026-07-14" not in text and "2026-10-14" not in text and "2026-03-01" not in text


def test_also_a_body_that_is_not_declared_json_is_415(live: Live) -> None:
    body = json.dumps(ADULT).encode()
    for kind in ("text/plain", "application/x-www-form-urlencoded", None):
        status, _, data = live.call("POST", "/rulesets/intl/palermo/evaluate", body, content_type=kind)
        assert status == 415 and data["error"] == "UnsupportedMediaType"
    assert live.call("POST", "/assess", body, "application/json; charset=utf-8")[0] == 200


def test_also_405_names_the_allowed_methods(live: Live) -> None:
    status, headers, data = live.call("GET", "/assess")
    assert status == 405 and data["error"] == "HTTPError"
    assert headers.get("allow") == "POST" or headers.get("Allow") == "POST"


def test_also_no_planted_value_in_an_error(live: Live) -> None:
    for body in (
        {**ADULT, PLANTED: 1},
        {**ADULT, "age": PLANTED},
        {"case_id": "c", "answers": ADULT, PLANTED: 2},
        {"contacts": [{"id": PLANTED, "answers": {"agee": 3}}, {"answers": {"age": 3}}]},
    ):
        status, _, data = live.call("POST", "/assess", json.dumps(body).encode())
        assert 400 <= status < 500 and PLANTED not in json.dumps(data), data


def test_3_a_date_near_9999_is_422_not_500(live: Live) -> None:
    case = {"stage": "placement", "current_placement": "residential_care", "placement_start": "9999-12-31"}
    status, _, data = live.call("POST", "/assess", json.dumps(case).encode())
    assert status == 422 and data["field"] == "placement_start" and "9999" not in data["message"]
    status, _, data = live.call("POST", "/assess?as_of=9999-12-31", json.dumps(ADULT).encode())
    assert status == 422 and "9999" not in json.dumps(data)
