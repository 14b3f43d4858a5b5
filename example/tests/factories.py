"""factory-boy factories: one per model, writing through the app's session.

`UserFactory()` builds and flushes a user inside the test's transaction;
`UserFactory.build()` makes one without touching the database.
"""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from my_service.extensions import db
from my_service.models import Project, Role, Tag, Task, User


class BaseFactory(SQLAlchemyModelFactory):
    """Flush (not commit) through the app's scoped session."""

    class Meta:
        abstract = True
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.MEMBER


class ProjectFactory(BaseFactory):
    class Meta:
        model = Project

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Project {n}")


class TaskFactory(BaseFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    title = factory.Faker("sentence", nb_words=4)
    priority = 3


class TagFactory(BaseFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")
