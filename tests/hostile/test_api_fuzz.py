"""Hostile input: schemathesis generates valid and invalid requests for every operation of
/api/v1/openapi.json (bounded and derandomised, so a run is repeatable). No request may cause
a server error, and every refusal must use the API's error format (API.md).

The strategies are driven with Hypothesis directly (schemathesis' pytest plugin does not run
under this pytest), one operation after the other, and every failing operation is reported.
"""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import openapi
from schemathesis.generation.modes import GenerationMode

from tests.conftest import api_token

EXAMPLES_PER_OPERATION_AND_MODE = 10


def check_answer(response) -> None:
    """No 5xx; every 4xx is ``{"error": {"code", "message", "fields"}}`` and a 400 for bad
    fields names them."""
    assert response.status_code < 500, f"server error {response.status_code}: {response.text}"
    if response.status_code >= 400:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict), f"{response.status_code} without an error object: {body}"
        assert isinstance(error.get("code"), str) and error["code"], body
        assert isinstance(error.get("message"), str) and error["message"], body
        assert isinstance(error.get("fields"), dict), body
        if response.status_code == 400 and error["code"] == "invalid":
            assert error["fields"], f"a 400 for bad input must name the fields: {body}"


def _exercise(operation, mode: GenerationMode, headers: dict) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(operation.as_strategy(generation_mode=mode))
    def run(case):
        check_answer(case.call(headers=headers))

    run()


def test_no_generated_request_makes_a_server_error(app_ctx, client, world):
    schema = openapi.from_wsgi("/api/v1/openapi.json", app_ctx)
    headers = api_token(client, "hr_a")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the whole API, not an empty document
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, mode, headers)
            except Exception as exc:  # collect every failing operation, then report them all
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n".join(failures)


def test_an_id_too_large_for_the_database_is_an_unknown_record(client, world):
    headers = api_token(client, "hr_a")
    for path in ("/api/v1/findings/99999999999999999999", "/api/v1/findings/2147483648"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
