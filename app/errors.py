"""One error shape everywhere: FastAPI's own 422 body, {"detail": [{"loc", "msg", "type"}]}."""

from fastapi import HTTPException


def field_error(field: str, msg: str, status_code: int = 422, where: str = "body") -> HTTPException:
    """A 4xx that names the request field (a dotted path inside `where`: body, query or path) and
    what is allowed."""
    loc = [where, *field.split(".")]
    return HTTPException(status_code, detail=[{"loc": loc, "msg": msg, "type": "value_error"}])
