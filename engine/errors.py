"""The engine's one error type for a value its caller chose badly.

    raise FieldError("padding", "pool_padding", "must be ≤ kernel // 2 = {half} for pooling, got {padding}",
                     half=kernel // 2, padding=padding)

`field` names the argument at fault, so a caller that took it from a form or a request can point at
that field instead of checking the same rule again; `code` names the message, so such a caller can
word it in its own language (the web app keeps `api.<code>` in its message catalogs, the English
text equal to `message`). str(e) is the English sentence after the field: "padding: must be ≤ …"."""


class FieldError(ValueError):
    def __init__(self, field: str, code: str, message: str, **values: object) -> None:
        self.field, self.code, self.values = field, code, values
        self.message = message.format(**values)  # the sentence without the field's name
        super().__init__(f"{field}: {self.message}")
