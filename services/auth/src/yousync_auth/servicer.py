"""gRPC adapter for AuthService: protobuf in → use case → protobuf out."""

from __future__ import annotations

import grpc

from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync_auth.convert import access_grant_pb, session_pb, user_pb
from yousync_auth.service import AuthService
from yousync_platform.context import require_principal


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, service: AuthService) -> None:
        self._service = service

    async def SignInWithGoogle(
        self, request: auth_pb2.SignInWithGoogleRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.SignInWithGoogleResponse:
        session = await self._service.sign_in_with_google(request.id_token)
        return auth_pb2.SignInWithGoogleResponse(session=session_pb(session))

    async def DevSignIn(
        self, request: auth_pb2.DevSignInRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.DevSignInResponse:
        session = await self._service.dev_sign_in(request.email, request.display_name)
        return auth_pb2.DevSignInResponse(session=session_pb(session))

    async def Refresh(
        self, request: auth_pb2.RefreshRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RefreshResponse:
        return auth_pb2.RefreshResponse(session=session_pb(await self._service.refresh(request.refresh_token)))

    async def SignOut(
        self, request: auth_pb2.SignOutRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.SignOutResponse:
        await self._service.sign_out(request.refresh_token)
        return auth_pb2.SignOutResponse()

    async def RefreshSession(
        self, request: auth_pb2.RefreshSessionRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RefreshSessionResponse:
        return access_grant_pb(await self._service.refresh_session(request.access_token))

    async def EndSession(
        self, request: auth_pb2.EndSessionRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.EndSessionResponse:
        await self._service.end_session(request.access_token)
        return auth_pb2.EndSessionResponse()

    async def GetMe(self, request: auth_pb2.GetMeRequest, context: grpc.aio.ServicerContext) -> auth_pb2.User:
        return user_pb(await self._service.get_user(require_principal().subject))

    async def GetJwks(
        self, request: auth_pb2.GetJwksRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.GetJwksResponse:
        return auth_pb2.GetJwksResponse(keys=[auth_pb2.Jwk(**jwk) for jwk in self._service.jwks()])

    async def GetUserStatus(
        self, request: auth_pb2.GetUserStatusRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.GetUserStatusResponse:
        user_id = await self._service.require_active(require_principal().subject)
        return auth_pb2.GetUserStatusResponse(user_id=user_id, active=True)
