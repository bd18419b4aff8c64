"""Domain errors raised by the grant services; views turn them into messages."""


class GrantError(Exception):
    """Base class: the action was refused and nothing changed."""


class InvalidTransition(GrantError):
    def __init__(self, grant, to_status):
        self.grant = grant
        self.to_status = to_status
        super().__init__(
            f"{grant.reference} is {grant.get_status_display().lower()}; it cannot be "
            f"moved to “{grant.Status(to_status).label.lower()}”."
        )


class NotAllowed(GrantError):
    """A separation-of-duties or ownership rule refuses this person."""


class OverCap(GrantError):
    """A request is over a category, per-grant or per-client cap."""


class PersonalDataFound(GrantError):
    def __init__(self, field_label: str, kinds: list[str]):
        self.field_label = field_label
        self.kinds = kinds
        super().__init__(
            f"{field_label} looks like it contains {', '.join(kinds)}. Clients are known only by "
            "their agency's reference: please remove it."
        )


class InvalidUpload(GrantError):
    pass


class InvalidRequest(GrantError):
    """The request itself is incomplete or inconsistent (no line items, a bad fund...)."""
