"""Role checks."""

ROLES = {"admin": {"refund", "edit_catalog", "view_orders"}, "staff": {"view_orders"}}


def can(role: str, action: str) -> bool:
    return action in ROLES.get(role, set())


def require(role: str, action: str) -> None:
    if not can(role, action):
        raise PermissionError(f"{role} may not {action}")
