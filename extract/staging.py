"""The Alvo staging tables, declared once as SQLAlchemy metadata.

The samples are long form, one row per (turbine, timestamp, variable): loading more
turbines or columns for a day adds rows without touching what is already staged, and a
slice (day x turbines x columns) is one `delete ... where` away. The key leads with the
timestamp because every reader (the extractor's replace, dbt's day window) asks for days.
The tag catalog and the fleet are staged next to them, as the API served them, so that dbt
reads a tag's kind and a turbine's metadata from Fonte instead of restating them. dbt
declares all three as the source `fonte`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateSchema, CreateTable

from .names import LATEST_COLUMNS, SCHEMA, SLICES_TABLE, TABLE, TURBINES_TABLE, VARIABLES_TABLE

metadata = MetaData(schema=SCHEMA)


def _loaded_at(what: str) -> Column:
    return Column("_loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now(), comment=what)


fonte_data = Table(
    TABLE,
    metadata,
    Column("turbine", Text, nullable=False, comment="The turbine's asset id, e.g. T01."),
    Column("timestamp", DateTime(timezone=True), nullable=False, comment="Sample time (UTC)."),
    Column("variable", Text, nullable=False, comment="The tag: Fonte's column name, e.g. wind_speed."),
    Column("value", Double, comment="The sample's value as Fonte served it."),
    _loaded_at("When the extractor loaded this row (dbt source freshness)."),
    PrimaryKeyConstraint("timestamp", "turbine", "variable", name="fonte_data_pkey"),
    comment="Fonte samples staged by `python -m extract`, long form.",
)

fonte_variables = Table(
    VARIABLES_TABLE,
    metadata,
    Column("name", Text, primary_key=True, comment="The tag, as `variable` in fonte_data."),
    Column("position", Integer, nullable=False, comment="Its place in the API's catalog (signals register in it)."),
    Column("unit", Text, nullable=False),
    Column("kind", Text, nullable=False, comment="linear, angle or state: which statistics describe it."),
    Column("range_min", Double, comment="Physical lower limit, in `unit`."),
    Column("range_max", Double, comment="Physical upper limit, in `unit`."),
    Column("iec_name", Text, comment="IEC 61400-25 name, where one exists."),
    Column("description", Text),
    Column("varies", Boolean, comment="A working sensor never holds one value for long (the frozen flag)."),
    Column("interval_seconds", Double, comment="Its sampling interval, in seconds (coverage)."),
    _loaded_at("When an extraction last read it from /variables."),
    comment="The tag catalog as the Fonte API's /variables served it at the last extraction.",
)

fonte_turbines = Table(
    TURBINES_TABLE,
    metadata,
    Column("id", Text, primary_key=True, comment="Asset id, as `turbine` in fonte_data."),
    Column("name", Text, nullable=False),
    Column("plant", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, comment="The single-turbine API's turbine."),
    Column("rated_power_kw", Double, nullable=False),
    Column("hub_height_m", Double),
    Column("rotor_diameter_m", Double),
    Column("cut_in_speed_ms", Double, comment="Its reference power curve: cut-in wind speed, m/s."),
    Column("rated_speed_ms", Double, comment="Its reference power curve: rated wind speed, m/s."),
    Column("cut_out_speed_ms", Double, comment="Its reference power curve: cut-out wind speed, m/s."),
    _loaded_at("When an extraction last read it from /turbines."),
    comment="The fleet as the Fonte API's /turbines served it at the last extraction.",
)


fonte_slices = Table(
    SLICES_TABLE,
    metadata,
    Column("turbine", Text, nullable=False),
    Column("day", Date, nullable=False, comment="The UTC day staged."),
    Column(
        "cursor",
        DateTime(timezone=True),
        comment="Fonte's /changes cursor taken before the day was read: a row that arrived after it may be missing.",
    ),
    Column("rows", Integer, nullable=False, comment="Samples (timestamps) staged for the turbine that day."),
    _loaded_at("When the slice was staged."),
    PrimaryKeyConstraint("turbine", "day", name="fonte_slices_pkey"),
    comment="What was staged per (turbine, day), to tell which slices changed in Fonte since (extract --changed).",
)


def ddl_statements() -> list[str]:
    """The schema and tables if missing, and the columns a table made by an older version
    lacks (added nullable: the next extraction fills them)."""
    dialect = postgresql.dialect()
    return [
        str(CreateSchema(SCHEMA, if_not_exists=True).compile(dialect=dialect)),
        *(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)) for table in metadata.sorted_tables),
        *(
            f"alter table {SCHEMA}.{table.name} add column if not exists {column.name}"
            f" {column.type.compile(dialect=dialect)}"
            for table in metadata.sorted_tables
            for column in table.columns
            if column.name in LATEST_COLUMNS.get(table.name, ())
        ),
    ]
