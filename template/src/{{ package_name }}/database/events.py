"""Attach event listeners once, however many apps a process builds."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def listen_once(target: Any, name: str, listener: Callable) -> None:
    """`event.listen`, unless `listener` already listens to `name` on `target`."""
    if not event.contains(target, name, listener):
        event.listen(target, name, listener)
