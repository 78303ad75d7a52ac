# The Fonte API (used by docker-compose.yml as fonte-api).
FROM python:3.11-slim
WORKDIR /app
COPY requirements/connector.txt requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY fonte_api ./fonte_api
EXPOSE 8000
CMD ["python", "-m", "fonte_api", "serve", "--host", "0.0.0.0", "--port", "8000"]
