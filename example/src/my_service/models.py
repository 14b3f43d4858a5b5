"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from .auth.models import Credential, EmailChange, PasswordReset, RefreshToken
from .caching import cache_generations
from .idempotency import IdempotencyKey
from .projects.models import Project
from .seeds.models import SeedRecord
from .tags.models import Tag, task_tags
from .tasks.models import Status, Task
from .users.models import Role, User

__all__ = [
    "Credential",
    "EmailChange",
    "IdempotencyKey",
    "PasswordReset",
    "Project",
    "RefreshToken",
    "Role",
    "SeedRecord",
    "Status",
    "Tag",
    "Task",
    "User",
    "cache_generations",
    "task_tags",
]
