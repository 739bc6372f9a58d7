"""Users and refresh tokens in PostgreSQL; every statement runs in the caller's unit of work."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from yousync_auth.db.models import RefreshFamilyRow, RefreshTokenRow, UserRow
from yousync_auth.domain import SessionState, User
from yousync_platform.errors import AlreadyExists


def _user(row: UserRow) -> User:
    return User(
        id=str(row.id),
        email=row.email,
        display_name=row.display_name,
        picture_url=row.picture_url,
        roles=tuple(row.roles),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@dataclass(frozen=True, slots=True)
class SpentToken:
    """What is known of a refresh token that could not be rotated."""

    family_id: uuid.UUID
    used_at: dt.datetime | None
    expires_at: dt.datetime
    family_revoked: bool


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: str) -> User | None:
        try:
            key = uuid.UUID(user_id)
        except ValueError:
            return None
        row = await self._session.get(UserRow, key)
        return _user(row) if row else None

    async def upsert_google(
        self, *, subject: str, email: str, link_by_email: bool, name: str, picture: str, roles: list[str]
    ) -> User:
        """Find by Google subject, then (verified e-mail only) by e-mail; create otherwise. Race-safe."""
        row = await self._session.scalar(select(UserRow).where(UserRow.google_subject == subject).with_for_update())
        if row is None and link_by_email:
            row = await self._session.scalar(
                select(UserRow).where(UserRow.email == email, UserRow.google_subject.is_(None)).with_for_update()
            )
        if row is None:
            inserted = await self._session.scalar(
                insert(UserRow)
                .values(
                    id=uuid.uuid4(),
                    google_subject=subject,
                    email=email,
                    display_name=name,
                    picture_url=picture,
                    roles=roles,
                )
                .on_conflict_do_nothing()
                .returning(UserRow)
            )
            if inserted is not None:
                return _user(inserted)
            # Lost a race with a concurrent sign-in of the same subject, or the e-mail is taken.
            row = await self._session.scalar(select(UserRow).where(UserRow.google_subject == subject).with_for_update())
            if row is None and link_by_email:
                row = await self._session.scalar(
                    select(UserRow).where(UserRow.email == email, UserRow.google_subject.is_(None)).with_for_update()
                )
            if row is None:
                raise AlreadyExists("EMAIL_IN_USE", "another account already uses this e-mail")
        row.google_subject = subject
        row.email = email
        row.display_name = name or row.display_name
        row.picture_url = picture or row.picture_url
        row.roles = roles
        row.updated_at = func.now()
        try:
            await self._session.flush()
        except IntegrityError:
            raise AlreadyExists("EMAIL_IN_USE", "another account already uses this e-mail") from None
        await self._session.refresh(row)
        return _user(row)

    async def upsert_by_email(self, *, email: str, name: str, roles: list[str]) -> User:
        row = await self._session.scalar(
            insert(UserRow)
            .values(id=uuid.uuid4(), email=email, display_name=name, roles=roles)
            .on_conflict_do_update(index_elements=[UserRow.email], set_={"roles": roles, "updated_at": func.now()})
            .returning(UserRow)
        )
        assert row is not None
        return _user(row)


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def new_family(self, user_id: str) -> uuid.UUID:
        family_id = uuid.uuid4()
        self._session.add(RefreshFamilyRow(id=family_id, user_id=uuid.UUID(user_id)))
        await self._session.flush()
        return family_id

    async def add(self, family_id: uuid.UUID, token_hash: bytes, expires_at: dt.datetime) -> None:
        self._session.add(RefreshTokenRow(family_id=family_id, token_hash=token_hash, expires_at=expires_at))
        await self._session.flush()

    async def spend(self, token_hash: bytes, now: dt.datetime) -> tuple[uuid.UUID, uuid.UUID] | None:
        """Mark an unspent, unexpired token of a live family as used; (family id, user id) or None.

        A single UPDATE: of two concurrent calls with the same token exactly one gets the row.
        """
        live_families = select(RefreshFamilyRow.id).where(RefreshFamilyRow.revoked_at.is_(None))
        family_id = await self._session.scalar(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.token_hash == token_hash,
                RefreshTokenRow.used_at.is_(None),
                RefreshTokenRow.expires_at > now,
                RefreshTokenRow.family_id.in_(live_families),
            )
            .values(used_at=now)
            .returning(RefreshTokenRow.family_id)
        )
        if family_id is None:
            return None
        user_id = await self._session.scalar(select(RefreshFamilyRow.user_id).where(RefreshFamilyRow.id == family_id))
        assert user_id is not None
        return family_id, user_id

    async def find(self, token_hash: bytes) -> SpentToken | None:
        row = await self._session.execute(
            select(
                RefreshTokenRow.family_id,
                RefreshTokenRow.used_at,
                RefreshTokenRow.expires_at,
                RefreshFamilyRow.revoked_at,
            )
            .join(RefreshFamilyRow, RefreshFamilyRow.id == RefreshTokenRow.family_id)
            .where(RefreshTokenRow.token_hash == token_hash)
        )
        found = row.one_or_none()
        if found is None:
            return None
        return SpentToken(
            family_id=found[0], used_at=found[1], expires_at=found[2], family_revoked=found[3] is not None
        )

    async def revoke_family(self, family_id: uuid.UUID, reason: str, now: dt.datetime) -> None:
        await self._session.execute(
            update(RefreshFamilyRow)
            .where(RefreshFamilyRow.id == family_id, RefreshFamilyRow.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def session(self, family_id: uuid.UUID) -> SessionState | None:
        row = await self._session.get(RefreshFamilyRow, family_id)
        if row is None:
            return None
        return SessionState(user_id=str(row.user_id), created_at=row.created_at, revoked=row.revoked_at is not None)
