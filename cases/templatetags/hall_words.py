"""Template filters for the words shown for stored things, in the reader's language (cases.wording)."""

from django import template

from cases import wording

register = template.Library()


@register.filter
def document_title(document) -> str:
    return wording.document_title(document)


@register.filter
def agency_description(agency) -> str:
    return wording.agency_description(agency)
