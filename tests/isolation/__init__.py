"""Helpers of tests/test_isolation.py: the URL walk, the shared world and the id-swap registry."""
