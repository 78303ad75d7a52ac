"""Where the extractor stages rows in Alvo (kept apart so that loading needs no SQLAlchemy)."""

SCHEMA = "raw"
TABLE = "fonte_data"  # the samples, long form
VARIABLES_TABLE = "fonte_variables"  # the tag catalog as /variables served it
TURBINES_TABLE = "fonte_turbines"  # the fleet as /turbines served it
