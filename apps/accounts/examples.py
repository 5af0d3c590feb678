"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

# Shortened JSON web tokens (the real ones are longer and signed).
REFRESH = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsInVzZXJfaWQiOiI0MiJ9"
    ".Qm2vT7yR9kLp3Xs0NcW8eJ4hBf6Ua1Gd5Zo2iKxP0Hs"
)
ACCESS = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwidXNlcl9pZCI6IjQyIn0"
    ".8xq1sF3mZ0dQ9rTbWcY2kLpN5vHj7uAeGiO4nXyR6Ts"
)

TOKEN = write_examples(
    "token",
    summary="柳州五菱零部件有限公司的李工登录",
    request={"email": "li.gong@liuzhou-wuling.example.cn", "password": "Gear-2026-Heat!"},
    response={
        "refresh": REFRESH,
        "access": ACCESS,
    },
    status=200,
)
