"""Conditional reads: a cached read's answer carries an ETag, and a client sending it
back in If-None-Match is answered 304 for as long as the answer is unchanged."""

from prometheus_client import REGISTRY

from ..callers import client_as
from ..factories import UserFactory


def not_modified_count() -> float:
    """How many reads this process has answered 304."""
    return REGISTRY.get_sample_value("cache_reads_total", {"result": "not_modified"}) or 0.0


def test_a_current_tag_is_answered_304_with_no_body(client):
    url = f"/api/v1/users/{UserFactory().id}"
    first = client.get(url)
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    before = not_modified_count()
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == tag
    assert not_modified_count() == before + 1


def test_a_304_runs_no_view_and_reads_no_cached_answer(client, statements):
    url = f"/api/v1/users/{UserFactory().id}"
    client.get("/api/v1/users/me")
    statements.clear()
    client.get("/api/v1/users/me")  # costs only what identifying the caller costs
    identifying = list(statements)
    tag = client.get(url).headers["ETag"]
    statements.clear()
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    # Beyond identifying the caller, only the tables' generations, which every process shares.
    [generations] = statements[len(identifying) :]
    assert "FROM cache_generations" in generations


def test_after_a_write_the_old_tag_gets_the_new_answer_and_a_new_tag(client):
    url = f"/api/v1/users/{UserFactory(name='Before').id}"
    old = client.get(url).headers["ETag"]
    assert client.patch(url, json={"name": "After"}).status_code == 200
    fresh = client.get(url, headers={"If-None-Match": old})
    assert fresh.status_code == 200
    assert fresh.get_json()["name"] == "After"
    assert fresh.headers["ETag"] != old
    assert client.get(url, headers={"If-None-Match": fresh.headers["ETag"]}).status_code == 304


def test_a_write_to_another_row_of_the_table_also_changes_the_tag(client):
    url = "/api/v1/users/"
    old = client.get(url).headers["ETag"]
    created = client.post(url, json={"email": "new@example.com", "name": "New"})
    assert created.status_code == 201
    fresh = client.get(url, headers={"If-None-Match": old})
    assert fresh.status_code == 200
    assert "new@example.com" in {user["email"] for user in fresh.get_json()}


def test_each_url_has_its_own_tag(client):
    one, other = UserFactory(), UserFactory()
    tag = client.get(f"/api/v1/users/{one.id}").headers["ETag"]
    answer = client.get(f"/api/v1/users/{other.id}", headers={"If-None-Match": tag})
    assert answer.status_code == 200
    assert answer.headers["ETag"] != tag
    page = client.get("/api/v1/users/?page_size=1", headers={"If-None-Match": tag})
    assert page.status_code == 200


def test_each_caller_scope_has_its_own_tag(app, client):
    ada, grace = UserFactory(email="ada@example.com"), UserFactory(email="grace@example.com")
    as_ada, as_grace = client_as(app, ada), client_as(app, grace)
    url = "/api/v1/users/"
    tags = {
        "ada": as_ada.get(url).headers["ETag"],
        "grace": as_grace.get(url).headers["ETag"],
        "admin": client.get(url).headers["ETag"],
    }
    assert len(set(tags.values())) == 3
    # Another caller's current tag never stands for this caller's answer.
    answer = as_grace.get(url, headers={"If-None-Match": tags["ada"]})
    assert answer.status_code == 200
    assert [user["id"] for user in answer.get_json()] == [grace.id]
    assert client.get(url, headers={"If-None-Match": tags["ada"]}).status_code == 200
    assert as_ada.get(url, headers={"If-None-Match": tags["ada"]}).status_code == 304


def test_the_tag_is_checked_only_after_the_caller_is(app, anonymous):
    ada = UserFactory()
    url = f"/api/v1/users/{ada.id}"
    tag = client_as(app, ada).get(url).headers["ETag"]
    assert anonymous.get(url, headers={"If-None-Match": tag}).status_code == 401


def test_a_list_of_tags_matches_by_weak_comparison(client):
    url = f"/api/v1/users/{UserFactory().id}"
    tag = client.get(url).headers["ETag"]
    strong = tag.removeprefix("W/")
    for held in (f'"elsewhere", {tag}', strong, f'W/"elsewhere", {strong}'):
        assert client.get(url, headers={"If-None-Match": held}).status_code == 304, held
    assert client.get(url, headers={"If-None-Match": '"elsewhere"'}).status_code == 200


def test_a_star_is_answered_304_only_where_there_is_an_answer(client):
    url = f"/api/v1/users/{UserFactory().id}"
    missed = client.get(url, headers={"If-None-Match": "*"})  # not cached yet
    assert missed.status_code == 304
    assert missed.headers["ETag"] == client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304  # cached
    absent = client.get("/api/v1/users/999999", headers={"If-None-Match": "*"})
    assert absent.status_code == 404


def test_errors_carry_no_tag(client):
    absent = client.get("/api/v1/users/999999")
    assert absent.status_code == 404
    assert "ETag" not in absent.headers
    invalid = client.get("/api/v1/users/?page_size=0")
    assert invalid.status_code == 422
    assert "ETag" not in invalid.headers


def test_reads_that_are_not_cached_and_writes_carry_no_tag(client):
    created = client.post("/api/v1/users/", json={"email": "new@example.com", "name": "New"})
    assert created.status_code == 201
    assert "ETag" not in created.headers
    assert "ETag" not in client.get("/api/v1/users/me").headers


def test_the_document_describes_conditional_reads(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/v1/users/", "/api/v1/users/{user_id}"):
        operation = paths[path]["get"]
        headers = {parameter["name"] for parameter in operation["parameters"]}
        assert "If-None-Match" in headers
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert "ETag" in operation["responses"]["304"]["headers"]
    listed = {parameter["name"] for parameter in paths["/api/v1/users/"]["get"]["parameters"]}
    assert {"page_size", "cursor"} <= listed  # the query's own arguments are still there
    assert "304" not in paths["/api/v1/users/"]["post"]["responses"]
