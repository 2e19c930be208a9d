"""Money as the back office shows it, in templates: `{{ amount|yuan }}` -> ¥8,888.00."""

from django import template

from luffy.common.money import yuan_text

register = template.Library()


@register.filter
def yuan(value) -> str:
    return yuan_text(value)
