"""The generated accounts the benchmark signs in with (they exist only in benchmark databases)."""

PASSWORD = "bench-password-not-secret"  # noqa: S105
# A superuser who is also a supervisor: pages and the admin.
ADMIN = "bench-admin"
# One supervisor per concurrent client of the status-update measurement.
CLIENTS = 20


def client_username(index: int) -> str:
    return f"bench-super-{index:02d}"
