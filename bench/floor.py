"""The floor: a bare ASGI app under mighub's server stack (uvicorn + httptools +
uvloop, one worker) that reads the request body, parses it as JSON and answers
``{}``. Nothing Python can serve over HTTP on this machine goes faster, so it is
what mighub's throughput is measured against.

Run: ``python bench/floor.py --port 7000``
"""

from __future__ import annotations

import argparse

import orjson
import uvicorn

HEADERS = [(b"content-type", b"application/x-amz-json-1.1"), (b"content-length", b"2")]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    orjson.loads(b"".join(chunks))
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b"{}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        http="httptools",
        loop="uvloop",
        lifespan="off",
        access_log=False,
        log_level="warning",
        workers=1,
    )


if __name__ == "__main__":
    main()
