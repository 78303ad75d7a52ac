"""The Alvo staging table, declared once as SQLAlchemy metadata.

Long form, one row per (timestamp, variable): loading more columns for a day adds rows
without touching the columns already staged, and a slice (day x columns) is one
`delete ... where` away. dbt declares it as the source `fonte.fonte_data`.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Double, MetaData, PrimaryKeyConstraint, Table, Text, func
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateSchema, CreateTable

from .names import SCHEMA, TABLE

metadata = MetaData(schema=SCHEMA)

fonte_data = Table(
    TABLE,
    metadata,
    Column("timestamp", DateTime(timezone=True), nullable=False, comment="Sample time (UTC)."),
    Column("variable", Text, nullable=False, comment="Fonte column name, e.g. wind_speed."),
    Column("value", Double, comment="The sample's value as Fonte served it."),
    Column(
        "_loaded_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="When the extractor loaded this row (dbt source freshness).",
    ),
    PrimaryKeyConstraint("timestamp", "variable", name="fonte_data_pkey"),
    comment="Fonte samples staged by `python -m extract`, long form.",
)


def ddl_statements() -> list[str]:
    dialect = postgresql.dialect()
    return [
        str(CreateSchema(SCHEMA, if_not_exists=True).compile(dialect=dialect)),
        str(CreateTable(fonte_data, if_not_exists=True).compile(dialect=dialect)),
    ]
