"""Settings of the offline Alipay sandbox server: the store's base settings (Alipay ids, keys
folder, time zone) with its own URLs, apps and database (luffy.common.sandbox.settings), so its
state stays apart from the store's. Run by `make run` as its own gunicorn process on
127.0.0.1:ALIPAY_SANDBOX_PORT."""

from luffy.common.sandbox.settings import server_settings
from luffy.config.settings.base import *  # noqa: F403

globals().update(server_settings("alipay_sandbox", globals()))
