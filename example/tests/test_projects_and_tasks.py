"""Projects, tasks and tags: relationships, cascades, domain rules and events."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import undefer

from my_service.models import Project, Status, Tag, Task, User
from my_service.projects.models import SLUG_PATTERN
from my_service.projects.schemas import ProjectSchema
from my_service.tasks.schemas import TaskSchema
from my_service.validation import DomainRuleError, ModelValidationError

from .factories import ProjectFactory, TagFactory, TaskFactory, UserFactory


def test_a_project_gets_a_slug_from_its_name(session):
    project = ProjectFactory(name="Q3 Launch: Website!")
    assert project.slug == "q3-launch-website"


def test_a_slug_is_unique_per_owner_only(session):
    owner, other = UserFactory(), UserFactory()
    ProjectFactory(owner=owner, name="Roadmap")
    ProjectFactory(owner=other, name="Roadmap")
    session.add(Project(owner=owner, name="Roadmap"))
    with pytest.raises(IntegrityError, match="uq_projects_owner_id_slug"):
        session.flush()


def test_a_malformed_slug_is_refused():
    with pytest.raises(ModelValidationError, match="slug"):
        Project(name="Roadmap", slug="Not A Slug")


@pytest.mark.parametrize("slug", ["roadmap", "q3-2", "a-b-c", "Roadmap", "a--b", "-a", "a-", ""])
def test_the_model_the_api_and_the_database_agree_on_what_a_slug_is(session, slug):
    try:
        Project(name="Roadmap", slug=slug)
        model_accepts = True
    except ModelValidationError:
        model_accepts = False
    api_errors = ProjectSchema().validate({"owner_id": 1, "name": "Roadmap", "slug": slug})
    project = ProjectFactory()
    savepoint = session.begin_nested()
    try:
        session.execute(
            text("UPDATE projects SET slug = :slug WHERE id = :id"),
            {"slug": slug, "id": project.id},
        )
        database_accepts = True
    except IntegrityError:
        database_accepts = False
    savepoint.rollback()
    assert model_accepts == ("slug" not in api_errors) == database_accepts


def test_the_migration_checks_slugs_with_the_models_pattern(session):
    definition = session.scalar(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'ck_projects_slug_format'"
        )
    )
    assert f"'{SLUG_PATTERN}'" in definition


def test_an_owner_sees_their_projects_and_a_project_its_tasks(session):
    owner = UserFactory()
    project = ProjectFactory(owner=owner)
    tasks = TaskFactory.create_batch(2, project=project)
    session.expire_all()
    assert session.get(User, owner.id).projects == [project]
    assert sorted(task.id for task in session.get(Project, project.id).tasks) == sorted(
        task.id for task in tasks
    )


def test_deleting_an_owner_deletes_their_projects_and_tasks(session):
    task = TaskFactory()
    owner_id, project_id, task_id = task.project.owner_id, task.project_id, task.id
    session.execute(text("DELETE FROM users WHERE id = :id"), {"id": owner_id})
    session.expire_all()
    query = select(Project).where(Project.id == project_id).execution_options(include_deleted=True)
    assert session.scalars(query).all() == []
    assert session.get(Task, task_id) is None


def test_deleting_an_assignee_unassigns_their_tasks(session):
    assignee = UserFactory()
    task = TaskFactory(assignee=assignee)
    session.execute(text("DELETE FROM users WHERE id = :id"), {"id": assignee.id})
    session.expire_all()
    assert session.get(Task, task.id).assignee_id is None


def test_priority_outside_one_to_five_is_refused_by_the_model():
    with pytest.raises(ModelValidationError, match="priority: must be a whole number from 1 to 5"):
        Task(title="Ship it", priority=9)


def test_priority_outside_one_to_five_is_refused_by_the_database(session):
    task = TaskFactory()
    with pytest.raises(IntegrityError, match="ck_tasks_priority_range"):
        session.execute(text("UPDATE tasks SET priority = 0 WHERE id = :id"), {"id": task.id})


def test_status_is_a_postgresql_enum(session):
    task = TaskFactory()
    with pytest.raises(DataError, match="task_status"):
        session.execute(text("UPDATE tasks SET status = 'lost' WHERE id = :id"), {"id": task.id})


def test_completing_a_task_stamps_when(session):
    task = TaskFactory()
    task.complete()
    session.flush()
    session.refresh(task)
    assert task.status is Status.DONE
    assert task.completed_at is not None


def test_reopening_a_task_clears_its_completion(session):
    task = TaskFactory()
    task.complete()
    session.flush()
    task.reopen()
    session.flush()
    session.refresh(task)
    assert task.status is Status.TODO
    assert task.completed_at is None


def test_a_task_of_an_archived_project_cannot_be_completed(session):
    task = TaskFactory()
    task.project.archive()
    session.flush()
    with pytest.raises(DomainRuleError, match="is archived: its tasks are read-only"):
        task.complete()


def test_archiving_twice_is_refused(session):
    project = ProjectFactory()
    project.archive()
    with pytest.raises(DomainRuleError, match="already archived"):
        project.archive()


def test_an_unarchived_project_takes_changes_to_its_tasks_again(session):
    task = TaskFactory()
    task.project.archive()
    task.project.unarchive()
    task.complete()
    assert task.status is Status.DONE


def test_unarchiving_a_project_that_is_not_archived_is_refused(session):
    with pytest.raises(DomainRuleError, match="is not archived"):
        ProjectFactory().unarchive()


def test_a_task_is_overdue_only_when_late_and_not_done(session):
    late = TaskFactory(due_date=date.today() - timedelta(days=1))
    assert late.is_overdue
    late.complete()
    assert not late.is_overdue
    assert not TaskFactory(due_date=date.today() + timedelta(days=1)).is_overdue


def test_tags_are_shared_between_tasks_and_stored_in_lower_case(session):
    bug = TagFactory(name=" Bug ")
    first, second = TaskFactory(tags=[bug]), TaskFactory(tags=[bug])
    session.expire_all()
    tag = session.get(Tag, bug.id)
    assert tag.name == "bug"
    assert sorted(task.id for task in tag.tasks) == sorted([first.id, second.id])


def test_tag_names_follow_the_tags_in_the_same_session(session):
    task = TaskFactory(tags=[TagFactory(name="old")])
    session.flush()
    read = select(Task).options(undefer(Task.tag_names)).where(Task.id == task.id)
    assert session.scalar(read).tag_names == ["old"]
    # Sessions keep what they loaded after a commit (expire_on_commit is off): the flush of
    # the changed tags is what must expire the names.
    task.tags = [TagFactory(name="new"), TagFactory(name="also")]
    session.flush()
    assert task.tag_names == ["also", "new"]
    assert session.scalar(read).tag_names == ["also", "new"]


def test_a_soft_deleted_task_disappears_from_its_project(session):
    project = ProjectFactory()
    kept, deleted = TaskFactory(project=project), TaskFactory(project=project)
    deleted.soft_delete()
    session.flush()
    session.expire_all()
    assert session.get(Project, project.id).tasks == [kept]


def test_a_task_serialises_with_its_tag_names(session):
    task = TaskFactory(title="Fix login", tags=[TagFactory(name="bug")], priority=2)
    session.refresh(task)
    data = TaskSchema().dump(task)
    assert data["title"] == "Fix login"
    assert data["status"] == "todo"
    assert data["priority"] == 2
    assert data["tags"] == ["bug"]
