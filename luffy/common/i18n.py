"""Words people read: durations in the units people use, not raw seconds."""

from __future__ import annotations

import math

from django.utils.translation import gettext, ngettext


def duration_words(seconds: int | float) -> str:
    """'about 15 minutes' / '约 15 分钟' for a wait; seconds only under a minute."""
    seconds = max(math.ceil(seconds), 1)
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        if minutes * 60 == seconds:
            return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        return ngettext("about %(count)d minute", "about %(count)d minutes", minutes) % {
            "count": minutes
        }
    hours = math.ceil(seconds / 3600)
    if hours * 3600 == seconds:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("about %(count)d hour", "about %(count)d hours", hours) % {"count": hours}


def list_words(items) -> str:
    """Items joined with the list separator of the active language ('、' in Chinese)."""
    return gettext(", ").join(str(item) for item in items)
