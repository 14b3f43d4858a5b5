"""factory-boy factories: one per model, writing through the app's session.

`UserFactory()` builds and saves a user inside the test's transaction;
`UserFactory.build()` makes one without touching the database.
"""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from my_service.extensions import db
from my_service.models import Project, Role, Tag, Task, User


class BaseFactory(SQLAlchemyModelFactory):
    """Save through the app's session, committing.

    Inside the test harness a commit only releases a savepoint, so the rows stay
    in the test's transaction, and a request that rolls back its own work does not
    take the test's data with it.
    """

    class Meta:
        abstract = True
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "commit"


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
