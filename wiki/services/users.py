"""Accounts: creation, password checks and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import ApiToken, User, utcnow
from wiki.services import audit, municipalities, passwords
from wiki.services.errors import FieldError, NotFound, ValidationFailed
from wiki.services.validation import unknown_municipality
from wiki.vocabulary import ROLES

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "lw_"  # noqa: S105 - a visible prefix, not a secret
# Verifying against a real hash for unknown e-mails keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def create_user(
    email: str,
    password: str,
    role: str,
    municipality: str | None = None,
    organisation: str | None = None,
    name: str | None = None,
) -> User:
    """Create an account; ValidationFailed lists every problem."""
    errors: list[FieldError] = []
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        errors.append(
            FieldError("email", gettext("'%(email)s' is not a valid e-mail address", email=email))
        )
    elif find_by_email(email) is not None:
        errors.append(
            FieldError("email", gettext("an account for %(email)s already exists", email=email))
        )
    if role not in ROLES:
        message = gettext(
            "unknown role '%(role)s'; choose from %(roles)s", role=role, roles=", ".join(ROLES)
        )
        errors.append(FieldError("role", message))
    place = None
    if municipality:
        place = municipalities.get_by_name(municipality)
        if place is None:
            hint = municipalities.directory().suggest(municipality)
            errors.append(FieldError("municipality", unknown_municipality(municipality, hint)))
    weakness = passwords.problem(password, (email, name, organisation, municipality))
    if weakness:
        errors.append(FieldError("password", weakness))
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        name=(name or "").strip(),
        password_hash=_hasher.hash(password),
        role=role,
        municipality=place,
        organisation=(organisation or "").strip(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(None, "user.create", f"user:{email}", role=role)
    db.session.commit()
    return user


def find_by_email(email: str) -> User | None:
    """The account with this e-mail address (case-insensitive)."""
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_by_email(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()
    return user


def set_password(email: str, password: str) -> User:
    """Give the account a new password and end all of its sessions (no commit)."""
    user = _existing(email)
    municipality = user.municipality.name if user.municipality else None
    weakness = passwords.problem(password, (user.email, user.name, user.organisation, municipality))
    if weakness:
        raise ValidationFailed([FieldError("password", weakness)])
    user.password_hash = _hasher.hash(password)
    end_sessions(user)
    audit.record(None, "user.password", f"user:{user.email}")
    return user


def set_active(email: str, active: bool) -> User:
    """Enable or disable an account; disabling ends all of its sessions (no commit).

    A disabled account can neither sign in nor use its API tokens (see `user_for_token`).
    """
    user = _existing(email)
    user.active = active
    if not active:
        end_sessions(user)
    audit.record(None, "user.enable" if active else "user.disable", f"user:{user.email}")
    return user


def end_sessions(user: User) -> None:
    """End every session of `user`, on every device, remember-me cookies included (no commit).

    A session names the epoch it was signed in under (`User.get_id`); a new epoch makes the
    user loader refuse all older ones.
    """
    # Raised in SQL: two requests ending sessions at once both count.
    user.session_epoch = User.session_epoch + 1
    db.session.flush()
    db.session.refresh(user, ["session_epoch"])


def user_for_session(session_id: str) -> User | None:
    """The active user a session's "id:epoch" names, if that epoch is still current."""
    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None  # also a session from before epochs: sign in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_epoch != int(epoch):
        return None
    return user


def _existing(email: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise NotFound(gettext("no account for %(email)s", email=email))
    return user


def create_token(email: str) -> str:
    """A new API token for the user; only its hash is stored, so show it once."""
    user = _existing(email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_digest(token)))
    audit.record(None, "token.create", f"user:{user.email}")
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to."""
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None or not row.user.is_active:
        return None
    return row.user


def revoke_token(token: str) -> bool:
    """Revoke a token; True if it existed and was live."""
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None:
        return False
    row.revoked_at = utcnow()
    audit.record(None, "token.revoke", f"user:{row.user.email}")
    db.session.commit()
    return True


def _digest(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (no brute force possible).
    return hashlib.sha256(token.encode()).hexdigest()
