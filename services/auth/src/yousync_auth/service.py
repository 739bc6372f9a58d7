"""Auth use cases: sign-in, refresh rotation with reuse detection, sign-out, the current user."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from yousync_auth.db.uow import AuthUnitOfWork
from yousync_auth.domain import AccessGrant, Session, User
from yousync_auth.google import GoogleIdTokenVerifier
from yousync_auth.keys import SigningKeys
from yousync_platform.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated

REFRESH_TOKEN_BYTES = 32
_MAX_REFRESH_TOKEN_LENGTH = 128
# C0 controls and DEL: never part of an e-mail or a name (and PostgreSQL refuses NUL in text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class AuthPolicy:
    issuer: str
    audience: str
    access_ttl: dt.timedelta
    refresh_ttl: dt.timedelta
    reuse_grace: dt.timedelta
    admin_emails: frozenset[str]
    dev_sign_in_enabled: bool
    # How long a sign-in session can be refreshed through RefreshSession (from sign-in).
    session_lifetime: dt.timedelta = dt.timedelta(days=30)


class AuthService:
    def __init__(
        self,
        *,
        uow: Callable[[], AuthUnitOfWork],
        google: GoogleIdTokenVerifier,
        keys: SigningKeys,
        policy: AuthPolicy,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self._uow = uow
        self._google = google
        self._keys = keys
        self._policy = policy
        self._clock = clock

    def _roles(self, email: str) -> list[str]:
        return ["user", "admin"] if email.lower() in self._policy.admin_emails else ["user"]

    async def sign_in_with_google(self, id_token: str) -> Session:
        identity = await self._google.verify(id_token)
        async with self._uow() as uow:
            user = await uow.users.upsert_google(
                subject=identity.subject,
                email=identity.email,
                link_by_email=identity.email_verified,
                name=identity.name,
                picture=identity.picture,
                roles=self._roles(identity.email),
            )
            session = await self._open_session(uow, user)
            await uow.commit()
        return session

    async def dev_sign_in(self, email: str, display_name: str) -> Session:
        if not self._policy.dev_sign_in_enabled:
            raise PermissionDenied("DEV_SIGN_IN_DISABLED", "dev sign-in is disabled")
        email = email.strip().lower()
        if "@" not in email or len(email) > 320:
            raise Unauthenticated("INVALID_EMAIL", "a valid e-mail is required")
        if _CONTROL.search(email) or _CONTROL.search(display_name):
            raise InvalidArgument("CONTROL_CHARACTERS", "control characters in the e-mail or display name")
        async with self._uow() as uow:
            user = await uow.users.upsert_by_email(email=email, name=display_name or email, roles=self._roles(email))
            session = await self._open_session(uow, user)
            await uow.commit()
        return session

    async def refresh(self, refresh_token: str) -> Session:
        token_hash = self._hash(refresh_token)
        now = self._clock()
        async with self._uow() as uow:
            spent = await uow.refresh_tokens.spend(token_hash, now)
            if spent is not None:
                family_id, user_id = spent
                user = await uow.users.get(str(user_id))
                if user is None:
                    raise Unauthenticated("USER_GONE", "the account no longer exists")
                session = await self._issue(uow, user, family_id, now)
                await uow.commit()
                return session
            known = await uow.refresh_tokens.find(token_hash)
            if known is None:
                raise Unauthenticated("INVALID_REFRESH_TOKEN", "invalid refresh token")
            if known.family_revoked:
                raise Unauthenticated("REFRESH_TOKEN_REVOKED", "this session was signed out")
            if known.used_at is None:
                raise Unauthenticated("REFRESH_TOKEN_EXPIRED", "refresh token expired")
            if now - known.used_at <= self._policy.reuse_grace:
                raise Unauthenticated("REFRESH_TOKEN_ALREADY_USED", "refresh token already used")
            await uow.refresh_tokens.revoke_family(known.family_id, "reuse", now)
            await uow.commit()
        raise Unauthenticated("REFRESH_TOKEN_REUSED", "refresh token reused: the session was revoked")

    async def sign_out(self, refresh_token: str) -> None:
        token_hash = self._hash(refresh_token)
        async with self._uow() as uow:
            known = await uow.refresh_tokens.find(token_hash)
            if known is None:
                raise Unauthenticated("INVALID_REFRESH_TOKEN", "invalid refresh token")
            await uow.refresh_tokens.revoke_family(known.family_id, "sign_out", self._clock())
            await uow.commit()

    async def refresh_session(self, access_token: str) -> AccessGrant:
        """A new access token of the session `access_token` belongs to, while that session lives.

        The token must be ours (signature, issuer, audience, type); its expiry is not checked, its
        session (the `sid` claim) must exist, belong to the token's subject, be unrevoked and within
        its lifetime. Nothing is rotated: the session's refresh tokens stay as they are.
        """
        family_id, subject = self._session_of(access_token)
        now = self._clock()
        async with self._uow() as uow:
            state = await uow.refresh_tokens.session(family_id)
            if state is None or state.user_id != subject:
                raise Unauthenticated("INVALID_SESSION", "unknown session")
            if state.revoked:
                raise Unauthenticated("SESSION_REVOKED", "this session was signed out")
            session_expires = state.created_at + self._policy.session_lifetime
            if now >= session_expires:
                raise Unauthenticated("SESSION_EXPIRED", "the session is over: sign in again")
            user = await uow.users.get(subject)
        if user is None:
            raise Unauthenticated("USER_GONE", "the account no longer exists")
        ttl = min(self._policy.access_ttl, session_expires - now)
        token, expires = self._keys.issue_access_token(
            user,
            issuer=self._policy.issuer,
            audience=self._policy.audience,
            ttl=ttl,
            now=now,
            session_id=str(family_id),
        )
        return AccessGrant(access_token=token, access_expires_at=expires, session_expires_at=session_expires, user=user)

    async def end_session(self, access_token: str) -> None:
        """Revoke the session of `access_token` (expired tokens accepted; idempotent)."""
        family_id, subject = self._session_of(access_token)
        async with self._uow() as uow:
            state = await uow.refresh_tokens.session(family_id)
            if state is None or state.user_id != subject:
                raise Unauthenticated("INVALID_SESSION", "unknown session")
            await uow.refresh_tokens.revoke_family(family_id, "sign_out", self._clock())
            await uow.commit()

    def _session_of(self, access_token: str) -> tuple[uuid.UUID, str]:
        try:
            claims = self._keys.verify_ignoring_expiry(
                access_token, issuer=self._policy.issuer, audience=self._policy.audience
            )
            return uuid.UUID(str(claims["sid"])), str(claims["sub"])
        except (ValueError, KeyError):
            raise Unauthenticated("INVALID_TOKEN", "invalid access token") from None

    async def get_user(self, user_id: str) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("USER_NOT_FOUND", "user not found")
        return user

    async def is_active(self, user_id: str) -> bool:
        """Whether `user_id` is an existing user who may call (every existing user is, for now)."""
        async with self._uow() as uow:
            return await uow.users.get(user_id) is not None

    async def require_active(self, user_id: str) -> str:
        """`user_id` when it is an existing, active user; UNAUTHENTICATED otherwise."""
        if not await self.is_active(user_id):
            raise Unauthenticated("USER_NOT_FOUND", "the token's user does not exist or is not active")
        return user_id

    def jwks(self) -> list[dict[str, str]]:
        return self._keys.jwks

    def _hash(self, refresh_token: str) -> bytes:
        if not refresh_token or len(refresh_token) > _MAX_REFRESH_TOKEN_LENGTH:
            raise Unauthenticated("INVALID_REFRESH_TOKEN", "invalid refresh token")
        return hash_refresh_token(refresh_token)

    async def _open_session(self, uow: AuthUnitOfWork, user: User) -> Session:
        family_id = await uow.refresh_tokens.new_family(user.id)
        return await self._issue(uow, user, family_id, self._clock())

    async def _issue(self, uow: AuthUnitOfWork, user: User, family_id: object, now: dt.datetime) -> Session:
        refresh_token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
        refresh_expires = now + self._policy.refresh_ttl
        await uow.refresh_tokens.add(family_id, hash_refresh_token(refresh_token), refresh_expires)  # type: ignore[arg-type]
        access_token, access_expires = self._keys.issue_access_token(
            user,
            issuer=self._policy.issuer,
            audience=self._policy.audience,
            ttl=self._policy.access_ttl,
            now=now,
            session_id=str(family_id),
        )
        return Session(
            access_token=access_token,
            access_expires_at=access_expires,
            refresh_token=refresh_token,
            refresh_expires_at=refresh_expires,
            user=user,
        )
