"""The pipeline's assets: extraction, the dbt models, the report."""
