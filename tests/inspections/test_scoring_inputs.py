"""What scoring reads from inspections (SPEC §7 service norms): each person's tallies through
the core registry, and the API document listing the inspection calls."""
from __future__ import annotations

from datetime import date

from compliance.scoring import sources
from compliance.scoring.engine import InspectionTally
from inspections.operations import inspection_tallies
from tests.conftest import api_token

from .helpers import answers, body, submit


def test_tallies_reach_scoring_through_the_registry(client, world):
    assert inspection_tallies in sources._inspection_tally_providers
    inspector = api_token(client, "inspector")
    first = submit(client, inspector, fail=("posture.sit",),
                   na=("dress.any.substitute_formal",)).get_json()
    later = client.post("/api/v1/inspections", headers=inspector, json=body(
        at="2026-03-20T15:00:00+08:00")).get_json()
    carol = submit(client, inspector, staff_no="S3", window_code="D01",
                   fail=("behaviour.farewell", "posture.sit")).get_json()
    # A window checklist with nobody named, and another month: not in the tallies below.
    submit(client, inspector, template="window_desk", staff_no=None, gender=None)
    client.post("/api/v1/inspections", headers=inspector, json=body(
        at="2026-04-01T10:00:00+08:00"))
    size = len(answers(gender="F"))
    got = sources.inspection_tallies(world.a.id, date(2026, 3, 1), date(2026, 3, 31),
                                     [world.alice.id, world.carol.id, world.bob.id])
    assert got == {
        world.alice.id: [InspectionTally(first["id"], date(2026, 3, 2), size - 2, size - 1),
                         InspectionTally(later["id"], date(2026, 3, 20), size, size)],
        world.carol.id: [InspectionTally(carol["id"], date(2026, 3, 2), size - 2, size)],
    }
    assert sources.inspection_tallies(world.b.id, date(2026, 3, 1), date(2026, 3, 31),
                                      [world.alice.id]) == {}
    assert sources.inspection_tallies(world.a.id, date(2026, 3, 1), date(2026, 3, 31), []) == {}


def test_the_openapi_document_lists_the_inspection_calls(client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path, method in [("/api/v1/inspection-templates", "get"),
                         ("/api/v1/inspection-templates/{code}", "put"),
                         ("/api/v1/inspections", "post"),
                         ("/api/v1/inspections/{inspection_id}/photos", "post"),
                         ("/api/v1/spot-checks", "get")]:
        assert method in paths[path], path
    post = paths["/api/v1/inspections"]["post"]
    assert {"201", "200"} <= set(post["responses"])
