"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

_SAVED_SEARCH = {
    "id": 7,
    "name": "柳州新能源汽车轻量化成果",
    "kinds": ["achievement", "challenge"],
    "technology_fields": ["03", "05"],
    "industries": ["automotive", "new-energy-vehicles"],
    "regions": ["450200"],
    "keywords": ["轻量化", "铝合金压铸"],
    "include_own_organization": False,
    "in_app": True,
    "email": True,
    "frequency": "daily",
    "last_digest_at": "2026-12-08T09:30:00+08:00",
    "next_digest_at": "2026-12-09T09:30:00+08:00",
    "created_at": "2026-12-08T09:30:00.412907+08:00",
    "updated_at": "2026-12-08T09:30:00.412907+08:00",
}

SAVED_SEARCHES_CREATE = write_examples(
    "saved_searches_create",
    summary="柳州精工齿轮有限公司关注新能源汽车轻量化成果",
    request={
        "name": "柳州新能源汽车轻量化成果",
        "kinds": ["achievement", "challenge"],
        "technology_fields": ["03", "05"],
        "industries": ["automotive", "new-energy-vehicles"],
        "regions": ["450200"],
        "keywords": ["轻量化", "铝合金压铸"],
        "in_app": True,
        "email": True,
        "frequency": "daily",
    },
    response=_SAVED_SEARCH,
    status=201,
)


SAVED_SEARCHES_UPDATE = write_examples(
    "saved_searches_update",
    summary="改为每周汇总，并增加关键词“一体化压铸”",
    request={"keywords": ["轻量化", "铝合金压铸", "一体化压铸"], "frequency": "weekly"},
    response={
        **_SAVED_SEARCH,
        "keywords": ["轻量化", "铝合金压铸", "一体化压铸"],
        "frequency": "weekly",
        "next_digest_at": "2026-12-15T09:30:00+08:00",
        "updated_at": "2026-12-08T14:05:12.118305+08:00",
    },
    status=200,
)
