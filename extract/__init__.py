"""The extractor: stage days of Fonte data, pulled through the connector API, into Alvo."""
