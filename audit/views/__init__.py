"""The audit app's pages, split by feature (the same names as ``audit/forms/``)."""
