"""/api/v1/users end to end: create, read, list, update, delete, and every error case."""

import json

import pytest

from my_service.models import Role, User

from ..factories import UserFactory

URL = "/api/v1/users/"


def test_create_a_user_answers_201_with_the_stored_user(client, session):
    response = client.post(URL, json={"email": "Ada@Example.com", "name": "Ada"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "ada@example.com"
    assert body["role"] == "member"
    assert session.get(User, body["id"]).name == "Ada"


def test_invalid_input_answers_422_naming_each_field(client):
    response = client.post(URL, json={"email": "not-an-email", "role": "boss"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unprocessable_entity"
    fields = error["details"]["json"]
    assert set(fields) == {"email", "name", "role"}
    assert fields["name"] == ["Missing data for required field."]


def test_a_nul_character_is_refused_before_it_reaches_the_database(client):
    response = client.post(URL, json={"email": "ada@example.com", "name": "A\u0000da"})
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["details"]["json"]


def test_a_taken_email_answers_409(client):
    UserFactory(email="ada@example.com")
    response = client.post(URL, json={"email": "ADA@example.com", "name": "Ada"})
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "email"


def test_read_a_user(client):
    user = UserFactory(name="Grace")
    response = client.get(f"{URL}{user.id}")
    assert response.status_code == 200
    assert response.get_json()["name"] == "Grace"


@pytest.mark.parametrize("user_id", ["999999", str(2**63), "0"])
def test_an_unknown_user_answers_404(client, user_id):
    response = client.get(f"{URL}{user_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_update_changes_only_the_given_fields(client):
    user = UserFactory(name="Old", email="keep@example.com")
    response = client.patch(f"{URL}{user.id}", json={"name": "New", "role": "admin"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["role"], body["email"]) == ("New", "admin", "keep@example.com")


def test_delete_hides_the_user(client, session):
    user = UserFactory()
    assert client.delete(f"{URL}{user.id}").status_code == 204
    assert client.get(f"{URL}{user.id}").status_code == 404
    assert session.get(User, user.id, execution_options={"include_deleted": True}).is_deleted


def test_the_list_comes_a_page_at_a_time_with_a_cursor_to_the_next(client):
    UserFactory.create_batch(24)  # and the admin calling
    first = client.get(URL, query_string={"page_size": 10})
    assert first.status_code == 200
    assert len(first.get_json()) == 10
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["page_size"] == 10 and "total" not in pagination
    second = client.get(URL, query_string={"page_size": 10, "cursor": pagination["next_cursor"]})
    assert second.get_json()[0]["id"] > first.get_json()[-1]["id"]
    assert 'rel="next"' in first.headers["Link"]


def test_the_page_size_is_bounded(client):
    response = client.get(URL, query_string={"page_size": 1000})
    assert response.status_code == 422
    assert "page_size" in response.get_json()["error"]["details"]["query"]


def test_the_list_filters_and_sorts(client, admin):
    admins = [admin, *UserFactory.create_batch(2, role=Role.ADMIN)]
    UserFactory.create_batch(3)
    response = client.get(URL, query_string={"role": "admin", "sort": "-id"})
    assert [user["id"] for user in response.get_json()] == sorted(
        (user.id for user in admins), reverse=True
    )


def test_the_email_filter_ignores_case(client):
    user = UserFactory(email="ada@example.com")
    response = client.get(URL, query_string={"email": "ADA@example.com"})
    assert [found["id"] for found in response.get_json()] == [user.id]


def test_an_unknown_sort_field_answers_422(client):
    response = client.get(URL, query_string={"sort": "password"})
    assert response.status_code == 422
    assert "sort" in response.get_json()["error"]["details"]["query"]
