"""Failures the extractor reports in one line (exit 1), instead of a traceback."""


class ExtractError(Exception):
    """Something outside the command line went wrong: the API, Alvo or the data."""


class UnknownNames(ExtractError):
    """The request names columns or turbines the API does not serve: a usage error (exit 2)."""

    option = ""  # the command-line option that named them

    def __init__(self, what: str, unknown: list[str], allowed: list[str]):
        self.unknown = unknown
        self.allowed = allowed
        super().__init__(f"unknown {what} {', '.join(unknown)}; the API allows: {', '.join(allowed)}")


class UnknownColumns(UnknownNames):
    option = "--columns"

    def __init__(self, unknown: list[str], allowed: list[str]):
        super().__init__("column", unknown, allowed)


class UnknownTurbines(UnknownNames):
    option = "--turbines"

    def __init__(self, unknown: list[str], allowed: list[str]):
        super().__init__("turbine", unknown, allowed)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text (database errors run to several), or its class."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
