"""Every write in the donations app, split by feature (``cash``, ``online``)."""
