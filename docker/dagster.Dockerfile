# The pipeline's image for Dagster (docker-compose.yml: dagster-code, dagster-webserver,
# dagster-daemon): the code location, the extractor, dbt and the report.
FROM python:3.11-slim
WORKDIR /opt/windpipe
COPY requirements/pipeline.txt requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY pipeline_settings.py pipeline_constants.py ./
COPY extract ./extract
COPY report ./report
COPY orchestration ./orchestration
COPY dbt_project ./dbt_project
# The manifest dagster-dbt reads, made at build time (dbt parse needs no database).
RUN python -m orchestration.dbt_manifest
COPY docker/dagster/dagster.yaml docker/dagster/workspace.yaml /opt/dagster/home/
# The webserver and the daemon import the instance's run launcher (orchestration.run_launcher):
# console scripts do not put the working directory on the module path, so it is set here.
ENV DAGSTER_HOME=/opt/dagster/home PYTHONPATH=/opt/windpipe
