"""The Fonte API, Alvo and dbt as Dagster resources, with the CLI's variables and defaults.

A field whose variable is set is bound with `EnvVar`, so the UI shows the variable's name
and never its value; a field whose variable is unset takes the documented default from
`pipeline_settings` (an `EnvVar` of an unset variable would fail the run instead).
"""

from __future__ import annotations

import importlib.metadata
import os
from functools import cached_property

from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource
from packaging import version

from extract.client import FonteClient
from pipeline_settings import (
    ALVO_READER_VARIABLES,
    ALVO_VARIABLES,
    API_TOKEN_VARIABLE,
    API_URL_VARIABLE,
    DEFAULT_ALVO,
    DEFAULT_API_URL,
    DEFAULT_READER,
    AlvoSettings,
    ApiSettings,
)

from .dbt_manifest import DBT_EXECUTABLE, DBT_PROJECT


def from_env(variable: str, default):
    return EnvVar(variable) if os.environ.get(variable) else default


class FonteApiResource(ConfigurableResource):
    """The Fonte API, as the extractor reaches it."""

    url: str = DEFAULT_API_URL
    token: str | None = None

    def client(self) -> FonteClient:
        return FonteClient(self.url, token=self.token or None)

    def settings(self) -> ApiSettings:
        return ApiSettings(url=self.url, token=self.token or None)


class AlvoResource(ConfigurableResource):
    """Alvo, as the pipeline's role (owner of staging and the marts)."""

    host: str = DEFAULT_ALVO.host
    port: int = DEFAULT_ALVO.port
    user: str = DEFAULT_ALVO.user
    password: str = DEFAULT_ALVO.password
    dbname: str = DEFAULT_ALVO.dbname
    # The read-only role, for readers of the marts (the report).
    reader_user: str = DEFAULT_READER.user
    reader_password: str = DEFAULT_READER.password

    def settings(self) -> AlvoSettings:
        return AlvoSettings(host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.dbname)

    def reader_settings(self) -> AlvoSettings:
        return AlvoSettings(
            host=self.host, port=self.port, user=self.reader_user, password=self.reader_password, dbname=self.dbname
        )


def fonte_api_from_env() -> FonteApiResource:
    return FonteApiResource(url=from_env(API_URL_VARIABLE, DEFAULT_API_URL), token=from_env(API_TOKEN_VARIABLE, None))


def alvo_from_env() -> AlvoResource:
    fields = {field: from_env(variable, getattr(DEFAULT_ALVO, field)) for field, variable in ALVO_VARIABLES.items()}
    if isinstance(fields["port"], EnvVar):
        fields["port"] = EnvVar.int(ALVO_VARIABLES["port"])
    for field, variable in ALVO_READER_VARIABLES.items():
        fields[f"reader_{field}"] = from_env(variable, getattr(DEFAULT_READER, field))
    return AlvoResource(**fields)


class PipelineDbtResource(DbtCliResource):
    """dagster-dbt's CLI resource without two start-up costs this project does not use.

    Before each run it asks the dbt executable for its version (`dbt --version`: 2.5-3 s
    here, dbt imports everything) and builds an in-process dbt adapter, which serves only
    to fetch column metadata and row counts, which these assets do not ask for (about 1.5 s).
    The version of the dbt-core installed with it (pinned in requirements.txt) is the
    executable's version; without an adapter dagster-dbt streams the same events. One
    partition through `dagster asset materialize`: 11.6 s before, 9.4 s after (bench).
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # the signature dagster-dbt calls
        return None


def dbt_from_env() -> DbtCliResource:
    # profiles.yml in the project reads ALVO_* itself, with the same defaults.
    return PipelineDbtResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE))
