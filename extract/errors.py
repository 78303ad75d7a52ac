"""Failures the extractor reports in one line (exit 1), instead of a traceback."""


class ExtractError(Exception):
    """Something outside the command line went wrong: the API, Alvo or the data."""


class UnknownColumns(ExtractError):
    """The request names columns the API does not serve: a usage error (exit 2)."""

    def __init__(self, unknown: list[str], allowed: list[str]):
        self.unknown = unknown
        self.allowed = allowed
        super().__init__(f"unknown column {', '.join(unknown)}; the API allows: {', '.join(allowed)}")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text (database errors run to several), or its class."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
