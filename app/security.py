"""Security headers on every response (pure ASGI, so streaming responses keep streaming).

Pages load scripts, styles, images and data from this origin only. Plotly sets inline styles, so
style-src allows them; /docs (Swagger UI) starts with an inline script, so that one page also
allows inline scripts."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def security_headers(path: str) -> dict[str, str]:
    """The headers every response carries (the 500 handler of app/errors.py adds them itself:
    Starlette sends a 500 from outside every middleware)."""
    return {"Content-Security-Policy": DOCS_CSP if path == "/docs" else CSP, **HEADERS}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp, *others = security_headers(scope["path"]).items()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[csp[0]] = csp[1]
                for name, value in others:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
