"""Domain errors raised by the people services; views turn them into messages."""


class PeopleError(Exception):
    """Base class: the change was refused and nothing changed."""
