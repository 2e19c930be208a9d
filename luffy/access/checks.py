"""System checks: lesson playback settings that would break every paid lesson at request time."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _


@checks.register()
def check_playback_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from luffy.access.playback import SENDFILE_MODES
    from luffy.access.video_cloud import PROVIDERS

    problems = []
    if settings.LESSON_SENDFILE not in SENDFILE_MODES:
        problems.append(
            checks.Error(
                _("LESSON_SENDFILE=%(value)r is not one of %(choices)s.")
                % {"value": settings.LESSON_SENDFILE, "choices": ", ".join(SENDFILE_MODES)},
                id="luffy.E101",
            )
        )
    if settings.VIDEO_CLOUD_PROVIDER not in PROVIDERS:
        problems.append(
            checks.Error(
                _("VIDEO_CLOUD_PROVIDER=%(value)r is not one of %(choices)s.")
                % {"value": settings.VIDEO_CLOUD_PROVIDER, "choices": ", ".join(PROVIDERS)},
                id="luffy.E102",
            )
        )
    elif settings.VIDEO_CLOUD_PROVIDER == "polyv" and not (
        settings.POLYV_USER_ID and settings.POLYV_SECRET_KEY
    ):
        problems.append(
            checks.Error(
                _("VIDEO_CLOUD_PROVIDER=polyv needs POLYV_USER_ID and POLYV_SECRET_KEY."),
                id="luffy.E103",
            )
        )
    if settings.LESSON_LINK_TTL < 30:
        problems.append(
            checks.Warning(
                _(
                    "LESSON_LINK_TTL=%(ttl)s s: players renew links shortly before they end; "
                    "under 30 s they renew all the time."
                )
                % {"ttl": settings.LESSON_LINK_TTL},
                id="luffy.W101",
            )
        )
    return problems
