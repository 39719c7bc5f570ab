"""The product app plus a hello-world route, served by the benches under the same gunicorn settings.

`/bench/manifest-via-flask` is the player API's manifest view mounted on a path the 304 middleware does
not intercept, to show what the fast path saves."""

from players.api import manifest
from wsgi import app


@app.get("/bench/hello")
def bench_hello():
    return "hello"


app.add_url_rule("/bench/manifest-via-flask", "bench_manifest_via_flask", manifest)
