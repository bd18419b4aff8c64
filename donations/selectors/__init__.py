"""Reads of the donations app that are more than a one-line queryset, split by feature."""
