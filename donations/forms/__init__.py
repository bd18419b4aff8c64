"""Forms of the donations app, split by feature (``cash``, ``online``)."""
