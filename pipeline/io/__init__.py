"""I/O: Arrow and Parquet helpers, atomic writes, staging, the one-commit publish, locks."""
