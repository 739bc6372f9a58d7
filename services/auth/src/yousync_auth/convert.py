"""Domain ⇄ protobuf for auth."""

from __future__ import annotations

from yousync.auth.v1 import auth_pb2
from yousync.common.v1 import common_pb2
from yousync_auth.domain import AccessGrant, Session, User
from yousync_platform.protobuf import timestamp

_ROLES = {"user": common_pb2.ROLE_USER, "admin": common_pb2.ROLE_ADMIN}


def user_pb(user: User) -> auth_pb2.User:
    return auth_pb2.User(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        picture_url=user.picture_url,
        roles=[_ROLES[r] for r in user.roles if r in _ROLES],
        create_time=timestamp(user.created_at),
        update_time=timestamp(user.updated_at),
    )


def session_pb(session: Session) -> auth_pb2.Session:
    return auth_pb2.Session(
        access_token=session.access_token,
        token_type="Bearer",
        access_token_expire_time=timestamp(session.access_expires_at),
        refresh_token=session.refresh_token,
        refresh_token_expire_time=timestamp(session.refresh_expires_at),
        user=user_pb(session.user),
    )


def access_grant_pb(grant: AccessGrant) -> auth_pb2.RefreshSessionResponse:
    return auth_pb2.RefreshSessionResponse(
        access_token=grant.access_token,
        token_type="Bearer",
        access_token_expire_time=timestamp(grant.access_expires_at),
        session_expire_time=timestamp(grant.session_expires_at),
        user=user_pb(grant.user),
    )
