"""Subject-access export: everything held about one client reference or one donor email.

Each app supplies its own part (grants.subject_access for a client reference,
donations.subject_access for a donor email); this module puts the part into one document
for a JSON file, which audit.views.subject_access serves to fund staff.
"""

from django.utils import timezone

from donations.subject_access import donor_subject_access_records
from grants.subject_access import client_subject_access_records


def client_subject_access(reference: str) -> dict:
    return {
        "kind": "client reference",
        "searched_for": reference.strip(),
        "produced_at": timezone.now().isoformat(),
        "clients": client_subject_access_records(reference),
    }


def donor_subject_access(email: str) -> dict:
    return {
        "kind": "donor email",
        "searched_for": email.strip(),
        "produced_at": timezone.now().isoformat(),
        "gifts": donor_subject_access_records(email),
    }
