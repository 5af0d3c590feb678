"""The XLSX import template of achievements and demands: the importer's own Chinese headers, a comment on
each saying what to type, drop-downs for the fixed vocabularies. A filled template imports as it is."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.core.spreadsheets import TemplateColumn, template_xlsx
from apps.listings.importing.formats import CHOICE_LABELS, IMPORT_STATUSES, SELF_IMPORT_STATUSES, ListingKind
from apps.reference.models import Industry, TechnologyField


def _note(kind_of_cell: str) -> str:
    notes = {
        "text": _("Text."),
        "list": _("Several values separated by ； or ,."),
        "field": _("The technology field: pick from the list (its name or code)."),
        "industry": _("The industry: pick from the list (its name or code)."),
        "industries": _("Industries: names or codes separated by ；."),
        "choice": _("Pick one value from the list."),
        "choices": _("One or more values from the list, separated by ；."),
        "money": _("Yuan, a plain number such as 1200.50 (no 万, no exponent)."),
        "date": _("A date: an Excel date cell, or text such as 2026-03-01 or 2026年3月1日."),
        "int": _("A whole number."),
    }
    return notes.get(kind_of_cell, notes["text"])


def import_template(kind: ListingKind, *, operator: bool) -> bytes:
    fields = list(TechnologyField.objects.order_by("code").values_list("name_zh", flat=True))
    industries = list(
        Industry.objects.filter(is_active=True).order_by("sort_order", "code").values_list("name_zh", flat=True)
    )
    statuses = IMPORT_STATUSES if operator else SELF_IMPORT_STATUSES
    columns: list[TemplateColumn] = []
    for column in kind.columns:
        note = _note(column.kind)
        choices: list[str] = []
        if column.field == "owner_credit_code":
            note = _("The owning organisation's unified social credit code (18 characters).")
            if not operator:
                note += " " + _("One of your own organisations.")
        elif column.field == "status":
            choices = [CHOICE_LABELS["status"][s] for s in statuses]
            note += " " + (
                _("Default: draft.") if operator else _("Default: submitted for review (draft if not verified yet).")
            )
        elif column.kind == "field":
            choices = fields
        elif column.kind == "industry":
            choices = industries
        elif column.kind in ("choice", "choices"):
            choices = list(CHOICE_LABELS.get(column.field, {}).values())
        required = column.field in kind.required
        if required:
            note = _("Required.") + " " + note
        columns.append(TemplateColumn(column.header, note, required=required, choices=choices))
    guide = _(
        "Fill one row per listing under the header row. Columns marked * are required. Keep the headers; "
        "columns may be left out or reordered. Upload the file to POST /api/v1/%(plural)s/import."
    ) % {"plural": kind.plural}
    title = "科技成果" if kind.name == "achievement" else "技术需求"
    return template_xlsx(title=title, columns=columns, note=guide)
