"""The User model: validation, database constraints, soft deletion and timestamps."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from my_service.models import Role, User
from my_service.users.schemas import UserSchema
from my_service.validation import ModelValidationError

from .factories import UserFactory


def test_email_is_stored_trimmed_and_in_lower_case(session):
    user = UserFactory(email="  Ada.Lovelace@Example.COM ")
    assert user.email == "ada.lovelace@example.com"


@pytest.mark.parametrize("email", ["", "   ", "no-at-sign", "two@@example.com", "a@b"])
def test_a_malformed_email_is_refused_with_the_field_named(email):
    with pytest.raises(ModelValidationError) as raised:
        User(email=email, name="Ada")
    assert raised.value.field == "email"


def test_a_blank_name_is_refused():
    with pytest.raises(ModelValidationError, match="name: must not be blank"):
        User(email="ada@example.com", name="   ")


def test_email_is_unique_whatever_its_case(session):
    UserFactory(email="ada@example.com")
    session.add(User(email="ada@example.com", name="Other Ada"))
    with pytest.raises(IntegrityError, match="uq_users_email_lower"):
        session.flush()


def test_the_database_refuses_an_upper_case_duplicate_written_around_the_model(session):
    UserFactory(email="ada@example.com")
    with pytest.raises(IntegrityError, match="uq_users_email_lower"):
        session.execute(
            text("INSERT INTO users (email, name) VALUES ('ADA@example.com', 'Shadow')")
        )


def test_the_database_refuses_a_blank_name_written_around_the_model(session):
    with pytest.raises(IntegrityError, match="ck_users_name_not_blank"):
        session.execute(text("INSERT INTO users (email, name) VALUES ('x@example.com', ' ')"))


def test_new_users_are_active_members_by_default(session):
    user = UserFactory()
    session.refresh(user)
    assert user.role is Role.MEMBER
    assert user.is_active is True


def test_timestamps_come_from_the_database_clock(session):
    user = UserFactory()
    session.refresh(user)
    now = session.scalar(select(func.now()))
    assert user.created_at == user.updated_at == now
    assert user.created_at.tzinfo is not None


def test_updated_at_is_rewritten_when_the_row_changes(session):
    user = UserFactory()
    backdate = text("UPDATE users SET updated_at = '2000-01-01Z' WHERE id = :id")
    session.execute(backdate, {"id": user.id})
    session.refresh(user)
    assert user.updated_at.year == 2000
    user.name = "Renamed"
    session.flush()
    session.refresh(user)
    assert user.updated_at == session.scalar(select(func.now()))


def test_deactivate_keeps_the_account_but_stops_it(session):
    user = UserFactory()
    user.deactivate()
    session.flush()
    assert session.get(User, user.id).is_active is False


def test_a_soft_deleted_user_is_hidden_from_queries(session):
    kept, deleted = UserFactory(), UserFactory()
    deleted.soft_delete()
    session.flush()
    session.expire_all()
    assert session.scalars(select(User)).all() == [kept]
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_soft_deleted_rows_can_be_included_on_request(session):
    user = UserFactory()
    user.soft_delete()
    session.flush()
    session.expire_all()
    query = select(User).execution_options(include_deleted=True)
    [found] = session.scalars(query).all()
    assert found.is_deleted


def test_a_restored_user_is_visible_again(session):
    user = UserFactory()
    user.soft_delete()
    session.flush()
    user.restore()
    session.flush()
    session.expire_all()
    assert session.scalars(select(User)).all() == [user]


def test_deleting_an_account_frees_its_email(session):
    first = UserFactory(email="ada@example.com")
    first.soft_delete()
    session.flush()
    again = User(email="ADA@example.com", name="Ada again")
    session.add(again)
    session.flush()
    session.expire_all()
    assert session.scalars(select(User)).all() == [again]


def test_a_user_serialises_to_json_and_back(session):
    user = UserFactory(email="ada@example.com", name="Ada", role=Role.ADMIN)
    session.refresh(user)
    data = UserSchema().dump(user)
    assert data["email"] == "ada@example.com"
    assert data["role"] == "admin"
    assert data["id"] == user.id
    assert "deleted_at" not in data
    loaded = UserSchema().load({"email": "grace@example.com", "name": "Grace"})
    assert loaded == {
        "email": "grace@example.com",
        "name": "Grace",
        "role": Role.MEMBER,
        "is_active": True,
    }
