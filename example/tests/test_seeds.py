"""Seed sets: applied in order and once, all or nothing, one run at a time, never changed."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL

from my_service.models import SeedRecord, User
from my_service.seeds import runner
from my_service.seeds.loading import SETS, SeedError, read_set, read_sets

ADA = """description = "Ada"
environments = ["testing"]

[[users]]
email = "ada@example.com"
name = "Ada"
"""
GRACE = ADA.replace("Ada", "Grace").replace("ada@", "grace@")


@pytest.fixture
def sets(tmp_path: Path) -> Path:
    """A folder with two seed sets for the testing environment."""
    (tmp_path / "0001_ada.toml").write_text(ADA)
    (tmp_path / "0002_grace.toml").write_text(GRACE)
    return tmp_path


def user_emails(session) -> list[str]:
    return sorted(session.scalars(select(User.email)))


def test_pending_sets_are_applied_in_order_and_recorded(session, sets):
    assert runner.run(read_sets(sets), "testing") == ["0001_ada", "0002_grace"]
    assert user_emails(session) == ["ada@example.com", "grace@example.com"]
    recorded = session.scalars(select(SeedRecord.seed_id).order_by(SeedRecord.id)).all()
    assert recorded == ["0001_ada", "0002_grace"]


def test_a_second_run_applies_nothing_and_changes_no_row(session, sets):
    runner.run(read_sets(sets), "testing")
    before = session.execute(text("SELECT id, updated_at FROM users ORDER BY id")).all()
    assert runner.run(read_sets(sets), "testing") == []
    assert session.execute(text("SELECT id, updated_at FROM users ORDER BY id")).all() == before


def test_target_stops_after_the_named_set(session, sets):
    assert runner.run(read_sets(sets), "testing", target="0001_ada") == ["0001_ada"]
    assert user_emails(session) == ["ada@example.com"]
    assert runner.run(read_sets(sets), "testing") == ["0002_grace"]


def test_an_unknown_target_is_refused(session, sets):
    with pytest.raises(SeedError, match="no seed set '0009_nope'"):
        runner.run(read_sets(sets), "testing", target="0009_nope")


def test_sets_of_other_environments_are_left_pending(session, sets):
    (sets / "0003_prod_only.toml").write_text(ADA.replace('["testing"]', '["production"]'))
    runner.run(read_sets(sets), "testing")
    states = {seed.id: state for seed, state in runner.status(read_sets(sets), "testing")}
    assert states == {
        "0001_ada": "applied",
        "0002_grace": "applied",
        "0003_prod_only": "not for testing",
    }


def test_a_set_that_fails_rolls_back_whole_and_is_not_recorded(session, sets):
    # The second record of 0002 breaks a rule the database enforces; the first must go too.
    session.execute(
        text("ALTER TABLE users ADD CONSTRAINT no_grace CHECK (email <> 'grace@example.com')")
    )
    first = '[[users]]\nemail = "first@example.com"\nname = "First"\n\n'
    (sets / "0002_grace.toml").write_text(GRACE.replace("[[users]]", first + "[[users]]", 1))
    with pytest.raises(SeedError, match="0002_grace.toml: .*nothing from this set was applied"):
        runner.run(read_sets(sets), "testing")
    assert user_emails(session) == ["ada@example.com"]
    assert session.scalars(select(SeedRecord.seed_id)).all() == ["0001_ada"]


def test_an_applied_set_whose_file_changed_is_reported_not_reapplied(session, sets):
    runner.run(read_sets(sets), "testing")
    (sets / "0001_ada.toml").write_text(ADA.replace('name = "Ada"', 'name = "Ada L."'))
    with pytest.raises(SeedError, match="0001_ada.toml changed after being applied"):
        runner.run(read_sets(sets), "testing")
    states = dict((seed.id, state) for seed, state in runner.status(read_sets(sets), "testing"))
    assert states["0001_ada"] == "changed"
    assert session.scalar(select(User.name).where(User.email == "ada@example.com")) == "Ada"


def test_a_typo_names_the_file_the_record_and_the_field(sets):
    (sets / "0003_typo.toml").write_text(ADA.replace("email =", "emial ="))
    with pytest.raises(SeedError) as raised:
        read_sets(sets)
    message = str(raised.value)
    assert message.startswith("0003_typo.toml: users[0]:")
    assert "emial: Unknown field." in message
    assert "email: Missing data for required field." in message


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("not toml [", "not valid TOML"),
        ('environments = ["testing"]\n', "add a `description"),
        ('description = "x"\nenvironments = ["staging"]\n', "`environments` must list"),
        ('description = "x"\nenvironments = []\n[[userz]]\n', "unknown section [[userz]]"),
    ],
)
def test_a_malformed_file_is_refused_with_its_name(tmp_path, content, complaint):
    path = tmp_path / "0001_bad.toml"
    path.write_text(content)
    with pytest.raises(SeedError, match=re.escape(complaint)) as raised:
        read_set(path)
    assert str(raised.value).startswith("0001_bad.toml: ")


@pytest.fixture
def lock_holder(database_url: URL) -> Iterator[None]:
    """Another session holding the seed lock, as a concurrent `flask seed run` would."""
    engine = create_engine(database_url)
    with engine.connect() as connection, connection.begin():
        connection.execute(select(func.pg_advisory_xact_lock(runner.SEED_LOCK)))
        yield
    engine.dispose()


def test_a_second_concurrent_run_applies_nothing(session, sets, lock_holder):
    with pytest.raises(runner.SeedBusyError, match="another seed run is in progress"):
        runner.run(read_sets(sets), "testing")
    assert session.scalars(select(SeedRecord)).all() == []


def test_the_shipped_seed_sets_are_valid_and_apply_twice_cleanly(session):
    shipped = read_sets(SETS)
    assert shipped, "the project ships seed sets"
    for environment in ("development", "testing", "production"):
        runner.run(shipped, environment)
        assert runner.run(shipped, environment) == []


def test_seed_run_and_status_commands(runner):
    first = runner.invoke(args=["seed", "run"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed", "run"])
    assert "Nothing to apply" in second.output
    status = runner.invoke(args=["seed", "status"])
    assert status.exit_code == 0
    assert "0002_development_user" in status.output
    assert "not for testing" in status.output


def test_seed_fake_fills_the_database_in_bulk(runner, session):
    result = runner.invoke(
        args=["seed", "fake", "--users", "5", "--projects", "3", "--tasks", "500", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Added 5 users, 3 projects, 500 tasks." in result.output
    assert session.scalar(text("SELECT count(*) FROM tasks")) == 500
    assert session.scalar(text("SELECT count(DISTINCT project_id) FROM tasks")) <= 3


def test_seed_fake_needs_projects_for_tasks(runner):
    result = runner.invoke(args=["seed", "fake", "--users", "1", "--projects", "0", "--tasks", "5"])
    assert result.exit_code == 1
    assert "tasks need projects" in result.output


def test_seed_fake_if_empty_adds_fake_data_once(runner, session):
    first = runner.invoke(args=["seed", "fake", "--if-empty", "--users", "3", "--seed", "1"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed", "fake", "--if-empty", "--users", "3", "--seed", "1"])
    assert "Fake data is there already: nothing added." in second.output
    assert session.scalar(text("SELECT count(*) FROM users")) == 3
