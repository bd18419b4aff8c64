"""The audit app's forms, split by feature (the same names as ``audit/views/``)."""
