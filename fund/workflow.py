"""One workflow helper for every record that moves through statuses.

A model that has a workflow says so itself: a ``status`` field, an ``ALLOWED_TRANSITIONS``
table (each status to the set of statuses it may move to), a ``transition_refused(to)``
method giving its app's own error, and an event model built on ``StatusEvent`` whose foreign
key to it has ``related_name="events"``. ``transition`` is then the one place any such status
changes. Grants, cash collections, deposits and online gifts use it.
"""

from django.conf import settings
from django.db import models, transaction


class StatusEvent(models.Model):
    """One status change of a record: who, when, from, to and why. Never edited.

    Each subclass adds its foreign key (``related_name="events"``) and keeps its own table;
    a subclass may narrow a field (the length of a status, a note's limit) to match it."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


def transition(obj, *, actor, to: str, note: str = "", **changes):
    """Move ``obj`` to status ``to`` if its model's table allows it, set ``changes`` on it,
    save it (recording ``actor`` in its history) and write its event row.

    Re-reads the row under a lock: a racing action on the same record (a double click, two
    people at once) waits here, then sees the status the first one left behind and is
    refused by the table rather than acting on a stale status."""
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if to not in model.ALLOWED_TRANSITIONS[locked.status]:
            raise locked.transition_refused(to)
        from_status = locked.status
        locked.status = to
        for name, value in changes.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked.save()
        locked.events.create(actor=actor, from_status=from_status, to_status=to, note=note)
    return locked
