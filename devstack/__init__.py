"""The local stack without Docker: embedded Fonte and Alvo PostgreSQL servers and the API."""
