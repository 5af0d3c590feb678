"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

MATCHES_FEEDBACK = write_examples(
    "matches_feedback",
    summary="柳州五菱零部件有限公司已与成果方联系",
    request={"state": "contacted", "note": "已约广西科技大学课题组下周到厂交流。"},
    response={
        "id": 12,
        "demand": {
            "id": 1,
            "title": "变速箱齿轮热处理变形超差攻关",
            "owner_id": 1,
            "owner_name": "柳州五菱零部件有限公司",
            "technology_field": "03",
            "status": "published",
        },
        "achievement": {
            "id": 1,
            "title": "齿轮热处理变形控制技术",
            "owner_id": 2,
            "owner_name": "广西科技大学",
            "technology_field": "03",
            "status": "published",
        },
        "score": 0.8127,
        "state": "contacted",
        "dismissal_reason": "",
        "dismissed_by_me": False,
        "my_progress": "contacted",
        "engine_version": "1.3.1",
        "index_version": 4,
        "created_at": "2026-12-08T06:00:12.503118+08:00",
        "updated_at": "2026-12-08T15:26:40.881420+08:00",
        "dismissal_note": "",
        "feedback_at": "2026-12-08T15:26:40.881420+08:00",
        "notified_at": "2026-12-08T06:00:13.117052+08:00",
        "explanation": {
            "engine_version": "1.3.1",
            "score": 0.8127,
            "terms": [
                {"term": "热处理", "weight": 0.214, "via": "glossary", "english": "heat treatment"},
                {"term": "齿轮", "weight": 0.183},
                {"term": "变形控制", "weight": 0.097},
            ],
            "terms_text": "双方文本均提到热处理（heat treatment）、齿轮、变形控制。",
            "sentences": ["双方文本均提到热处理（heat treatment）、齿轮、变形控制。", "双方同属先进制造领域。"],
            "text": "双方文本均提到热处理（heat treatment）、齿轮、变形控制。双方同属先进制造领域。",
            "criteria": [
                {
                    "criterion": "text",
                    "label": "文本相似度",
                    "passed": None,
                    "contribution": 0.494,
                    "detail": None,
                    "text": "需求与成果的描述高度相近。",
                },
                {
                    "criterion": "technology_field",
                    "label": "技术领域",
                    "passed": True,
                    "contribution": 0.15,
                    "detail": {"wanted": "03", "offered": "03"},
                    "text": "双方同属先进制造领域。",
                },
            ],
            "filters": [
                {
                    "criterion": "published",
                    "label": "已发布",
                    "passed": True,
                    "contribution": 0.0,
                    "detail": None,
                    "text": "成果已发布。",
                },
            ],
        },
    },
    status=200,
)
