"""Failures the extractor reports in one line (exit 1), instead of a traceback."""


class ExtractError(Exception):
    """Something outside the command line went wrong: the API, Alvo or the data."""
