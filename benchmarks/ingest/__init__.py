"""What the ingest benchmarks share: the log source, the meters, the S3 side, the function.

``archive_ingest`` (one Build log), ``taskrun_ingest`` (a TaskRun's steps),
``archive_concurrent`` and ``archive_events`` all build on these modules.
"""
