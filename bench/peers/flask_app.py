"""The task list as a team would write it from the libraries' own docs: Flask-SQLAlchemy
models on the service's tables, a flask-smorest blueprint with a marshmallow schema,
flask-jwt-extended loading the user on every request, tags by `selectinload`, a keyset page.

    DATABASE_URL=... JWT_SECRET_KEY=... gunicorn -w 2 flask_app:app
"""

import json
import os
from datetime import date, datetime

from flask import Flask
from flask.views import MethodView
from flask_jwt_extended import JWTManager, current_user, jwt_required
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields, validate
from sqlalchemy import Column, ForeignKey, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    """The models' base."""


db = SQLAlchemy(model_class=Base)
jwt = JWTManager()
api = Api()

task_tags = db.Table(
    "task_tags",
    Column("task_id", ForeignKey("tasks.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    role: Mapped[str]
    is_active: Mapped[bool]


class Project(db.Model):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Tag(db.Model):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Task(db.Model):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str]
    description: Mapped[str]
    status: Mapped[str]
    priority: Mapped[int]
    due_date: Mapped[date | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    tags: Mapped[list[Tag]] = relationship(secondary=task_tags)


class TagSchema(Schema):
    name = fields.String()


class TaskSchema(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    status = fields.String()
    priority = fields.Integer()
    due_date = fields.Date(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    tags = fields.Pluck(TagSchema, "name", many=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PageArguments(Schema):
    page_size = fields.Integer(load_default=10, validate=validate.Range(1, 100))
    cursor = fields.Integer()


blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks")


@jwt.user_lookup_loader
def load_user(_header, payload):
    return db.session.scalar(select(User).where(User.id == int(payload["sub"]), User.is_active))


@blp.route("/")
class Tasks(MethodView):
    @jwt_required()
    @blp.arguments(PageArguments, location="query")
    @blp.response(200, TaskSchema(many=True))
    def get(self, arguments):
        """List the tasks the caller may see, a page at a time."""
        size = arguments["page_size"]
        query = select(Task).options(selectinload(Task.tags)).where(Task.deleted_at.is_(None))
        if current_user.role != "admin":
            own = select(Project.id).where(Project.owner_id == current_user.id)
            query = query.where(or_(Task.project_id.in_(own), Task.assignee_id == current_user.id))
        if "cursor" in arguments:
            query = query.where(Task.id > arguments["cursor"])
        tasks = db.session.scalars(query.order_by(Task.id).limit(size + 1)).all()
        page = tasks[:size]
        next_cursor = page[-1].id if len(tasks) > size else None
        pagination = {"page_size": size, "next_cursor": next_cursor}
        return page, 200, {"X-Pagination": json.dumps(pagination)}


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
        JWT_SECRET_KEY=os.environ["JWT_SECRET_KEY"],
        API_TITLE="Tasks",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
    )
    db.init_app(app)
    jwt.init_app(app)
    api.init_app(app)
    api.register_blueprint(blp)
    return app


app = create_app()
