"""Where the extractor stages rows in Alvo (kept apart so that loading needs no SQLAlchemy)."""

SCHEMA = "raw"
TABLE = "fonte_data"
