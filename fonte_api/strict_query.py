"""Undeclared query parameters are refused, not ignored (docs/api.md, "Strict parameters").

A client written for another dialect of this kind of API (`variables=power`, `limit=`,
`turbines=`) would otherwise get a 200 with a wider answer than it asked for and never know.
One dependency serves every data route: it reads the parameters the matched route declares
(its own and its dependencies'), so a new route or parameter needs no list to be kept.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

UNKNOWN_PARAMETER = "unknown_query_parameter"


def declared_query_names(dependant: Dependant) -> list[str]:
    """The query parameters a route accepts (its own and its dependencies'), by the name a
    client sends (the alias). Walked here over the Dependant's public fields: FastAPI's own
    flattening helpers are private and have been renamed between releases."""
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names += [name for name in declared_query_names(sub) if name not in names]
    return names


def refuse_undeclared_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    accepted = declared_query_names(route.dependant)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in accepted]
    if not unknown:
        return
    listing = ", ".join(accepted) if accepted else "none"
    raise RequestValidationError(
        [
            {
                "type": UNKNOWN_PARAMETER,
                "loc": ("query", name),
                "msg": f"unknown query parameter; {request.url.path} accepts: {listing}",
                "input": request.query_params.get(name),
            }
            for name in unknown
        ]
    )
