"""The task list as full-stack-fastapi-template writes its routes: SQLModel tables, a session
dependency, a PyJWT bearer token whose user is loaded on every request, a pydantic response
model; tags by `selectinload`, a keyset page.

    DATABASE_URL=... JWT_SECRET_KEY=... uvicorn --workers 2 fastapi_app:app
"""

import json
import os
from collections.abc import Generator
from datetime import date, datetime
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Response, status
from fastapi.security import OAuth2PasswordBearer
from jwt.exceptions import InvalidTokenError
from pydantic import ValidationError, field_validator
from sqlalchemy.orm import selectinload
from sqlmodel import Field, Relationship, Session, SQLModel, create_engine, or_, select

SECRET_KEY = os.environ["JWT_SECRET_KEY"]
ALGORITHM = "HS256"
engine = create_engine(os.environ["DATABASE_URL"])


class TaskTag(SQLModel, table=True):
    __tablename__ = "task_tags"
    task_id: int = Field(foreign_key="tasks.id", primary_key=True)
    tag_id: int = Field(foreign_key="tags.id", primary_key=True)


class Tag(SQLModel, table=True):
    __tablename__ = "tags"
    id: int = Field(primary_key=True)
    name: str


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int = Field(primary_key=True)
    email: str
    role: str
    is_active: bool


class Project(SQLModel, table=True):
    __tablename__ = "projects"
    id: int = Field(primary_key=True)
    owner_id: int = Field(foreign_key="users.id")


class TaskBase(SQLModel):
    project_id: int
    assignee_id: int | None = None
    title: str
    description: str = ""
    status: str = "todo"
    priority: int = 3
    due_date: date | None = None


class Task(TaskBase, table=True):
    __tablename__ = "tasks"
    id: int = Field(primary_key=True)
    project_id: int = Field(foreign_key="projects.id")
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    completed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    tags: list[Tag] = Relationship(link_model=TaskTag)


class TaskPublic(TaskBase):
    id: int
    completed_at: datetime | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime

    @field_validator("tags", mode="before")
    @classmethod
    def tag_names(cls, tags: list) -> list[str]:
        return [tag.name if isinstance(tag, Tag) else tag for tag in tags]


class TokenPayload(SQLModel):
    sub: str | None = None


def get_db() -> Generator[Session, None, None]:
    with Session(engine) as session:
        yield session


reusable_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")
SessionDep = Annotated[Session, Depends(get_db)]
TokenDep = Annotated[str, Depends(reusable_oauth2)]


def get_current_user(session: SessionDep, token: TokenDep) -> User:
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        token_data = TokenPayload(**payload)
    except (InvalidTokenError, ValidationError):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Could not validate credentials"
        ) from None
    user = session.get(User, int(token_data.sub))
    if not user:
        raise HTTPException(status_code=404, detail="User not found")
    if not user.is_active:
        raise HTTPException(status_code=400, detail="Inactive user")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
app = FastAPI(title="Tasks")


@app.get("/api/v1/tasks/", response_model=list[TaskPublic])
def read_tasks(
    session: SessionDep,
    current_user: CurrentUser,
    response: Response,
    page_size: Annotated[int, Query(ge=1, le=100)] = 10,
    cursor: int | None = None,
):
    """List the tasks the caller may see, a page at a time."""
    statement = select(Task).options(selectinload(Task.tags)).where(Task.deleted_at.is_(None))
    if current_user.role != "admin":
        own = select(Project.id).where(Project.owner_id == current_user.id)
        statement = statement.where(
            or_(Task.project_id.in_(own), Task.assignee_id == current_user.id)
        )
    if cursor is not None:
        statement = statement.where(Task.id > cursor)
    tasks = session.exec(statement.order_by(Task.id).limit(page_size + 1)).all()
    page = tasks[:page_size]
    next_cursor = page[-1].id if len(tasks) > page_size else None
    response.headers["X-Pagination"] = json.dumps(
        {"page_size": page_size, "next_cursor": next_cursor}
    )
    return page
