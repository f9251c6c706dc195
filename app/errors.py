"""One error shape everywhere: FastAPI's own 422 body, {"detail": [{"loc", "msg", "type"}]}."""

from fastapi import HTTPException


def field_error(field: str, msg: str, status_code: int = 422) -> HTTPException:
    """A 4xx that names the request field (dotted path inside the body) and what is allowed."""
    loc = ["body", *field.split(".")]
    return HTTPException(status_code, detail=[{"loc": loc, "msg": msg, "type": "value_error"}])
