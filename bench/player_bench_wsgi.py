"""The product app plus a hello-world route, served by the benches under the same gunicorn settings."""

from wsgi import app


@app.get("/bench/hello")
def bench_hello():
    return "hello"
