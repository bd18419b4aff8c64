"""Views of the grants app, split by feature (``requests``, ``decisions``, ``payments``,
``documents``, ``limits``, ``agencies``): thin views over ``grants.services``."""
