"""What gunicorn serves: `gunicorn wsgi:app`."""

from signage import create_app
from signage.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # a clear one-line message instead of a traceback
    raise SystemExit(f"Configuration error: {exc}") from None
