"""The vendored 1.5.3 suite is run, and counted, by ``test_suite_of_1_5_3.py``, not collected."""

collect_ignore = ["upstream_1_5_3"]
