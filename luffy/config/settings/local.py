"""Local development and the zero-configuration `make run`: safe to expose, so DEBUG is off
unless DEBUG=true, and the secret is SECRET_KEY or a random one kept in VAR_DIR/secret_key."""

from luffy.common import local_secret

from .base import *  # noqa: F403
from .base import SECRET_KEY, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = SECRET_KEY or local_secret.load_or_create(VAR_DIR / "secret_key")
