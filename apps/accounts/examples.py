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


AUTH_REGISTER = write_examples(
    "auth_register",
    summary="新用户以手机号和中文姓名注册",
    request={
        "email": "huang.jun@gxlzjx.example.cn",
        "password": "Liuzhou-Gear-2026",
        "name": "黄军",
        "phone": "0772-3856021",
        "preferred_language": "zh-hans",
    },
    response={
        "id": 6,
        "email": "huang.jun@gxlzjx.example.cn",
        "name": "黄军",
        "phone": "0772-3856021",
        "preferred_language": "zh-hans",
        "date_joined": "2026-12-08T04:21:26.198380+08:00",
    },
    status=201,
)


AUTH_TOKEN_REFRESH = write_examples(
    "auth_token_refresh",
    summary="用刷新令牌换取新的令牌对（旧的刷新令牌随即失效）",
    request={"refresh": REFRESH},
    response={"access": ACCESS, "refresh": REFRESH},
    status=200,
)


AUTH_TOKEN_REVOKE = write_examples(
    "auth_token_revoke",
    summary="退出登录：作废刷新令牌",
    request={"refresh": REFRESH},
    response={},
    status=200,
)


ME_PASSWORD_CHANGE = write_examples(
    "me_password_change",
    summary="修改密码（所有会话随即失效）",
    request={"old_password": "Liuzhou-Gear-2026", "new_password": "Liuzhou-Gear-2027!"},
    status=204,
)


AUTH_SESSIONS_REVOKE_ALL = write_examples(
    "auth_sessions_revoke_all",
    summary="李工在所有设备上退出登录",
    response={"revoked_refresh_tokens": 3},
    status=200,
)


AUTH_PASSWORD_RESET_REQUEST = write_examples(
    "auth_password_reset_request",
    summary="忘记密码，向登记的邮箱发送重置链接",
    request={"email": "ligong@lzwuling-parts.cn"},
)


AUTH_PASSWORD_RESET_CONFIRM = write_examples(
    "auth_password_reset_confirm",
    summary="用邮件中的链接设置新密码",
    request={"uid": "NDI", "token": "cj8k2m-4f1b9e7a3c5d0f2e6b8a1c4d7e9f0a2b", "new_password": "Liuzhou#2026keji"},
)
