"""HTTP for the operator's check of the evidence chain (apps.core.evidence).

It lives here because who may run it is the access vocabulary's: the market operator only.
A contract's own entries are served by contracts (``GET /api/v1/contracts/{id}/evidence``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.evidence import chain_head, verify_chain
from apps.core.schema import problem_response
from apps.organizations.access import require_operator


class EvidenceVerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text=_("True when every entry's hash matches its content and its place."))
    checked = serializers.IntegerField(help_text=_("Entries verified (before the first bad one)."))
    first_bad_id = serializers.IntegerField(allow_null=True)
    first_bad_position = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    head_position = serializers.IntegerField(help_text=_("The chain head's recorded position."))
    head_hash = serializers.CharField(help_text=_("The chain head's recorded hash: publish it to anchor the chain."))


class EvidenceVerifyApi(APIView):
    @extend_schema(
        tags=["evidence"],
        operation_id="evidence_verify",
        summary="Verify the evidence chain (operator)",
        description=(
            "Recomputes every evidence entry's hash in order (contract, signing, registration, bid and "
            "settlement events). `ok` is false and `first_bad_id` names the first entry whose content, "
            "previous hash or position does not match: a row edited or removed in the database."
        ),
        responses={
            200: EvidenceVerifySerializer,
            **problem_response(403, "Only the market operator may verify the chain (operator_only)."),
        },
    )
    def get(self, request: Request) -> Response:
        require_operator(request_user(request))
        result = verify_chain()
        head_position, head_hash = chain_head()
        return Response(
            EvidenceVerifySerializer(
                {
                    "ok": result.ok,
                    "checked": result.checked,
                    "first_bad_id": result.first_bad_id,
                    "first_bad_position": result.first_bad_position,
                    "reason": result.reason,
                    "head_position": head_position,
                    "head_hash": head_hash,
                }
            ).data
        )
