"""Fan-out: ``parallel`` and ``map`` configuration, results, completion policy and the branch executor."""
