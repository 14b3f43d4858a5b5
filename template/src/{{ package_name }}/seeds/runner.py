"""Applying seed sets: in order, each at most once, all or nothing per set, one run at a time."""

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..validation import ModelValidationError
from .loading import KINDS, SeedError, SeedSet
from .models import SeedRecord

# Any fixed number: it names the advisory lock that keeps two runs apart.
SEED_LOCK = 5_318_008


class SeedBusyError(SeedError):
    """Another run holds the seed lock."""


class SeedChangedError(SeedError):
    """An applied set's file no longer matches what was applied."""


def applied_checksums() -> dict[str, str]:
    """The checksum recorded for each applied set."""
    return {record.seed_id: record.checksum for record in db.session.scalars(select(SeedRecord))}


def status(sets: list[SeedSet], environment: str) -> list[tuple[SeedSet, str]]:
    """Each set with its state: applied, changed, pending, or not for this environment."""
    applied = applied_checksums()
    states = []
    for seed_set in sets:
        if seed_set.id in applied:
            state = "applied" if applied[seed_set.id] == seed_set.checksum else "changed"
        elif environment in seed_set.environments:
            state = "pending"
        else:
            state = f"not for {environment}"
        states.append((seed_set, state))
    return states


def apply_set(seed_set: SeedSet) -> None:
    """Add each record of the set that is not there yet (by its natural key)."""
    for kind, records in seed_set.records.items():
        model, same_as = KINDS[kind].model, KINDS[kind].same_as
        for record in records:
            if db.session.scalar(select(model).where(same_as(record))) is None:
                db.session.add(model(**record))
    db.session.flush()


def run(sets: list[SeedSet], environment: str, target: str | None = None) -> list[str]:
    """Apply the pending sets for `environment`, in order, up to `target`; return their ids."""
    if target is not None and target not in {seed_set.id for seed_set in sets}:
        raise SeedError(f"no seed set {target!r}: `flask seed status` lists them")
    # Held until this transaction ends, so a second run waits for nothing and applies nothing.
    if not db.session.scalar(select(func.pg_try_advisory_xact_lock(SEED_LOCK))):
        raise SeedBusyError("another seed run is in progress: try again when it has finished")
    applied = applied_checksums()
    changed = [s.path.name for s in sets if s.id in applied and applied[s.id] != s.checksum]
    if changed:
        raise SeedChangedError(
            f"{', '.join(changed)} changed after being applied: put new records in a new "
            "seed set instead, or restore the file"
        )
    done = []
    for seed_set in sets:
        if seed_set.id not in applied and environment in seed_set.environments:
            try:
                with db.session.begin_nested():
                    apply_set(seed_set)
                    db.session.add(SeedRecord(seed_id=seed_set.id, checksum=seed_set.checksum))
            except (DBAPIError, ModelValidationError) as error:
                db.session.commit()  # keep the sets applied before this one
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                message = f"{seed_set.path.name}: {reason} (nothing from this set was applied)"
                raise SeedError(message) from error
            done.append(seed_set.id)
        if seed_set.id == target:
            break
    db.session.commit()
    return done
