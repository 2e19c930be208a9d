import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffy.config.settings.local")
application = get_wsgi_application()

# manage.py runs the system checks, gunicorn does not: refuse to serve with settings that would
# lose the gateway's notifies (luffy/common/checks.py).
_errors = [message for message in checks.run_checks(tags=["notify"]) if message.is_serious()]
if _errors:
    raise ImproperlyConfigured("\n".join(str(message) for message in _errors))
