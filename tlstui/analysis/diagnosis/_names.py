"""The few names the diagnosis sentences need, from ``tlstui.tls.names`` (the IANA tables)."""

from __future__ import annotations

from tlstui.tls.names import (
    alert_name,
    group_name,
    is_grease,
    version_name,
)
from tlstui.tls.names import (
    cipher_suite_name as suite_name,
)

__all__ = ["alert_name", "group_name", "is_grease", "suite_name", "version_name"]
