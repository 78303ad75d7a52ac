"""`python -m report DAY`: an offline picture of a day's 10-minute statistics, from Alvo."""
