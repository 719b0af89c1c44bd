from tests.conftest import api_token, login
from tests.inspections.helpers import submit, photo

def test_smoke(client, world):
    h = api_token(client, "inspector")
    r = client.get("/api/v1/inspection-templates", headers=h)
    assert r.status_code == 200, r.get_json()
    r = submit(client, h, fail=("ten_prohibitions.10",))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    print(body["score"], body["findings"])
    p = photo(client, h, body["id"], item="ten_prohibitions.10")
    assert p.status_code == 201, p.get_json()
    login(client, "inspector")
    for path in ["/inspections/", "/inspections/hall", "/inspections/hall/A01", f"/inspections/{body['id']}",
                 "/inspections/templates", "/inspections/templates/staff_conduct",
                 "/inspections/spot-checks", "/inspections/findings.xlsx",
                 "/inspections/hall/A01?template=help_area", f"/findings/{body['findings'][0]['id']}"]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.data[:3000])
