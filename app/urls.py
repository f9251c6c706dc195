"""Links in answers and pages are paths on this server: never built from the Host header a client
sends (Starlette's url_for copies it into absolute URLs, so a forged Host ended up in pages)."""

from typing import Any

from starlette.requests import HTTPConnection


def path_for(request: HTTPConnection, name: str, /, **params: Any) -> str:
    """The path of route `name` (with the app's root_path in front when it is mounted under one)."""
    routes = request.scope.get("router") or request.scope["app"]
    return request.scope.get("root_path", "").rstrip("/") + str(routes.url_path_for(name, **params))
