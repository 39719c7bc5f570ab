"""What gunicorn serves: `gunicorn wsgi:app`."""

from signage import create_app

app = create_app()
