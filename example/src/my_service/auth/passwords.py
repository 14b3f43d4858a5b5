"""Passwords: hashed with Argon2id (argon2-cffi), and the rules a new one must meet."""

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..validation import ModelValidationError

MAX_LENGTH = 1024  # hashing is slow on purpose; an unbounded password would be a lever


@functools.cache
def hasher_for(profile: str) -> PasswordHasher:
    """The hasher for an argon2-cffi profile name (RFC_9106_LOW_MEMORY unless configured)."""
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hasher() -> PasswordHasher:
    """The app's hasher: RFC 9106's low-memory Argon2id (the tests use the cheapest)."""
    return hasher_for(current_app.config["PASSWORD_HASH_PROFILE"])


@functools.cache
def unknown_user_hash(profile: str) -> str:
    """A hash to verify against when the account does not exist, so that takes as long."""
    return hasher_for(profile).hash("no account has this password")


def hash_password(password: str) -> str:
    """The Argon2id hash of `password`, with a fresh salt."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; as slow for a missing account as for a wrong password."""
    if password_hash is None:
        password_hash = unknown_user_hash(current_app.config["PASSWORD_HASH_PROFILE"])
        matches = False
    else:
        matches = True
    try:
        hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return matches


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker settings than today's."""
    return hasher().check_needs_rehash(password_hash)


def check_new_password(password: str, email: str) -> str:
    """The password, if it is long enough and not the email; a 422 naming the rule otherwise."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ModelValidationError("password", f"must be at least {minimum} characters long")
    if len(password) > MAX_LENGTH:
        raise ModelValidationError("password", f"must be at most {MAX_LENGTH} characters long")
    if password.strip().lower() == email.strip().lower():
        raise ModelValidationError("password", "must not be the email address")
    return password
