"""`make bench`: the pipeline's throughput against the pure-SQL limit, in one run."""
