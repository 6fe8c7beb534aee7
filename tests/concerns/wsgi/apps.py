"""Application objects the WSGI tests point WSGI_APPLICATION and ASGI_APPLICATION at."""

from django.core.asgi import get_asgi_application

from tests.wsgi import application as wsgi_application

# The same callable as tests.wsgi.application, reached by another dotted path.
application = wsgi_application
not_callable = 42
asgi_application = get_asgi_application()
