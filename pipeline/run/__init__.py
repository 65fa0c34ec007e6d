"""Run: plan a date's inputs into shards, transform them (in a worker pool), publish the partition."""
