from tests.conftest import api_token, login


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_login_and_home_in_chinese(client, world):
    response = login(client, "hr_a")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "人员".encode() in page.data  # the navigation, in Chinese by default


def test_token(client, world):
    headers = api_token(client, "hr_a")
    response = client.get("/api/v1/staff", headers=headers)
    assert response.status_code == 200
    assert {s["staff_no"] for s in response.get_json()["items"]} == {"S1", "S2", "S3"}
