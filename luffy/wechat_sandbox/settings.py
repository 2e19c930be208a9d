"""Settings of the offline WeChat Pay sandbox server: the store's base settings (WeChat ids,
keys folder, time zone) with its own URLs, apps and database (luffy.common.sandbox.settings), so
its state stays apart from the store's. Run by `make run` as its own gunicorn process on
127.0.0.1:WECHAT_SANDBOX_PORT."""

from luffy.common.sandbox.settings import server_settings
from luffy.config.settings.base import *  # noqa: F403

globals().update(server_settings("wechat_sandbox", globals()))
APPEND_SLASH = False  # the v3 paths have none; a redirect would lose the POST body
