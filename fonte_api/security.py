"""The optional API token: with FONTE_API_TOKEN set, every route but /health requires
`Authorization: Bearer <token>`.

The token travels only in the header: a token in the URL would end up in access logs,
proxies' logs and shell histories, so one there is refused, not read.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="FonteApiToken",
    description="The value of FONTE_API_TOKEN, when the API was started with one.",
)

TOKEN_QUERY_NAMES = ("token", "access_token", "api_token")


def _refuse(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> None:
    expected: str | None = request.app.state.settings.api_token
    if not expected:
        return
    if any(name in request.query_params for name in TOKEN_QUERY_NAMES):
        raise _refuse("send the token in the Authorization header (Bearer), never in the URL")
    if credentials is None:
        raise _refuse("this API requires a token: send Authorization: Bearer <FONTE_API_TOKEN>")
    # Constant time: how long the comparison takes says nothing about the token.
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise _refuse("wrong token")
