"""The Fonte API, Alvo and dbt as Dagster resources, with the pipeline's settings.

Each field is a PipelineSettings field of the same name, with its default. A field whose
variable is set is bound with `EnvVar`, so the UI shows the variable's name and never its
value; a field whose variable is unset takes the settings' default (an `EnvVar` of an unset
variable would fail the run instead).
"""

from __future__ import annotations

import importlib.metadata
import os
from functools import cached_property

from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource
from packaging import version

from extract.client import FonteClient
from pipeline_settings import AlvoSettings, ApiSettings, PipelineSettings

from .dbt_manifest import DBT_EXECUTABLE, DBT_PROJECT

_defaults = PipelineSettings.default


class FonteApiResource(ConfigurableResource):
    """The Fonte API, as the extractor reaches it."""

    fonte_api_url: str = _defaults("fonte_api_url")
    fonte_api_token: str | None = None

    def settings(self) -> ApiSettings:
        return PipelineSettings.model_construct(**self._values()).api()

    def client(self, **options) -> FonteClient:
        """The extractor's client; `options` (retries, ...) as FonteClient takes them."""
        api = self.settings()
        return FonteClient(api.url, token=api.token, **options)

    def _values(self) -> dict:
        return {name: getattr(self, name) for name in FonteApiResource.model_fields}


class AlvoResource(ConfigurableResource):
    """Alvo, as the pipeline's role (owner of staging and the marts) and as the read-only
    role of the marts' readers (the report)."""

    alvo_host: str = _defaults("alvo_host")
    alvo_port: int = _defaults("alvo_port")
    alvo_user: str = _defaults("alvo_user")
    alvo_password: str = _defaults("alvo_password")
    alvo_db: str = _defaults("alvo_db")
    alvo_reader_user: str = _defaults("alvo_reader_user")
    alvo_reader_password: str = _defaults("alvo_reader_password")

    def _pipeline_settings(self) -> PipelineSettings:
        return PipelineSettings.model_construct(**{name: getattr(self, name) for name in AlvoResource.model_fields})

    def settings(self) -> AlvoSettings:
        return self._pipeline_settings().alvo()

    def reader_settings(self) -> AlvoSettings:
        return self._pipeline_settings().alvo_reader()


class FleetSelection(ConfigurableResource):
    """Which turbines a run stages and builds: every turbine (the default, an empty list) or
    the ones listed at launch, to re-run one turbine's day without touching the other
    turbines' rows. Launchpad or `--config-json`:
    `{"resources": {"fleet": {"config": {"turbines": ["T02"]}}}}`."""

    turbines: list[str] = []  # noqa: RUF012 (pydantic copies a default per instance)

    def selected(self) -> list[str] | None:
        """The listed turbines, or None for every turbine."""
        return list(dict.fromkeys(t.strip() for t in self.turbines if t.strip())) or None


def _bound(resource_class: type[ConfigurableResource]) -> dict:
    """Each field bound to its variable when set (EnvVar.int for whole numbers), else left to
    its default."""
    values = {}
    for name, info in resource_class.model_fields.items():
        variable = PipelineSettings.variable(name)
        if os.environ.get(variable):
            values[name] = EnvVar.int(variable) if info.annotation in (int, "int") else EnvVar(variable)
    return values


def fonte_api_from_env() -> FonteApiResource:
    return FonteApiResource(**_bound(FonteApiResource))


def alvo_from_env() -> AlvoResource:
    return AlvoResource(**_bound(AlvoResource))


class PipelineDbtResource(DbtCliResource):
    """dagster-dbt's CLI resource without two start-up costs this project does not use.

    Before each run it asks the dbt executable for its version (`dbt --version`, which
    imports all of dbt) and builds an in-process dbt adapter, which serves only to fetch
    column metadata and row counts, which these assets do not ask for. The version of the
    dbt-core installed with it (pinned in requirements/pipeline.txt) is the executable's
    version; without an adapter dagster-dbt streams the same events. What it saves per run
    is measured in bench/results.md; tests/fast/test_dagster_internals.py fails clearly if
    the pinned dagster-dbt no longer has these two members.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # the signature dagster-dbt calls
        return None


def dbt_from_env() -> DbtCliResource:
    # profiles.yml in the project reads ALVO_* itself, with the same defaults.
    return PipelineDbtResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE))
