"""create_app wires each listener to its own app: the engines it times and the sessions
it filters."""

from flask import Flask, g
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from my_service.extensions import db
from my_service.models import User

from .factories import UserFactory


def test_statements_are_counted_for_the_apps_own_engine_only(app: Flask, database_url: URL):
    other_engine = create_engine(database_url)
    with app.test_request_context():
        app.preprocess_request()  # starts the request's clock
        with other_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert g.clock.queries == 0
        db.session.execute(text("SELECT 1"))
        assert g.clock.queries > 0
    other_engine.dispose()


def test_soft_deleted_rows_are_hidden_from_the_apps_sessions_only(session):
    user = UserFactory()
    user.soft_delete()
    session.flush()
    assert session.scalar(select(User).where(User.id == user.id)) is None
    with Session(bind=session.connection()) as plain:
        assert plain.scalar(select(User).where(User.id == user.id)) is not None


def test_flask_shell_starts_with_the_database_and_every_model(app: Flask):
    context = app.make_shell_context()
    assert context["db"] is db
    assert context["User"] is User
