"""Who may see what: role checks shared by every app's views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from people.roles import STAFF_ROLES, Role

__all__ = ["STAFF_ROLES", "has_role", "role_required", "roles_of"]


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return user._role_names


def has_role(user, *roles: Role) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(roles_of(user) & {r.value for r in roles})


def role_required(*roles: Role):
    """Let through signed-in users holding one of ``roles``; others sign in or get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
