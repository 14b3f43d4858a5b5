"""The record of which seed sets were applied, and with what content."""

from datetime import datetime

from sqlalchemy import Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class SeedRecord(Model):
    """One applied seed set: its id, the checksum of its file, and when."""

    __tablename__ = "seed_history"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    seed_id: Mapped[str] = mapped_column(String(200), unique=True)
    checksum: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[datetime] = mapped_column(server_default=func.now())
