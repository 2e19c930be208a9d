"""Choice labels are Chinese for people (gettext_lazy); the API keeps their English msgids as
stable codes that clients map to their own text (web/src keeps such maps)."""

from django.db.models import Choices
from django.utils import translation


def choice_code(choices: type[Choices], value) -> str:
    """The untranslated label of `value`, e.g. Course.Level.ADVANCED -> "advanced"."""
    with translation.override(None):
        return str(choices(value).label)
