"""Where the extractor stages rows in Alvo (kept apart so that loading needs no SQLAlchemy)."""

SCHEMA = "raw"
TABLE = "fonte_data"  # the samples, long form
VARIABLES_TABLE = "fonte_variables"  # the tag catalog as /variables served it
TURBINES_TABLE = "fonte_turbines"  # the fleet as /turbines served it
SLICES_TABLE = "fonte_slices"  # per staged (turbine, day): Fonte's /changes cursor when it was staged

# The columns the last version added to tables an older one may have made: the loader checks
# for them before it decides the staging tables are ready (extract/staging.py adds them).
LATEST_COLUMNS = {
    TABLE: ("turbine",),
    VARIABLES_TABLE: ("varies", "interval_seconds"),
    TURBINES_TABLE: ("cut_in_speed_ms", "rated_speed_ms", "cut_out_speed_ms"),
    SLICES_TABLE: ("cursor",),
}
