"""What a connection may cost the hub: requests that never complete are cut off after
``--request-timeout``, oversized headers are refused, and past ``--max-connections`` new
connections are answered 503 until some close. Real sockets against a real ``mighub serve``."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_helpers import MighubServer, http_request, poll

TIMEOUT = 1  # seconds: --request-timeout of the server under test
MAX_CONNECTIONS = 6
# Far longer than TIMEOUT: a socket still open after this was never closed by the server.
PATIENCE = 20
LIST = "AWSMigrationHub.ListProgressUpdateStreams"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MighubServer]:
    base: Path = tmp_path_factory.mktemp("limits")
    srv = MighubServer(
        base / "data",
        base / "server.log",
        name="limits",
        extra_args=("--request-timeout", str(TIMEOUT), "--max-connections", str(MAX_CONNECTIONS)),
    )
    srv.start()
    yield srv
    srv.stop()


def connect(srv: MighubServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=PATIENCE)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (fails if it never does)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except TimeoutError:
            pytest.fail(f"the server kept the connection open (received so far: {data[:200]!r})")
        if not chunk:
            return data
        data += chunk


def status_and_error(response: bytes) -> tuple[int, str]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["__type"]


def still_answers(srv: MighubServer) -> bool:
    status, _, body = http_request(srv.endpoint, "POST", "/", body=b"{}", headers={"X-Amz-Target": LIST}, timeout=5)
    return status == 200 and "ProgressUpdateStreamSummaryList" in json.loads(body)


HALF_HEADERS = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Targ"
HALF_BODY = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: "
    + LIST.encode()
    + b'\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 40\r\n\r\n{"MaxResults": '
)


@pytest.mark.parametrize(
    ("sent", "what"), [(HALF_HEADERS, "headers"), (HALF_BODY, "body")], ids=["half-headers", "half-body"]
)
def test_a_half_sent_request_is_answered_408_and_closed(hub: MighubServer, sent: bytes, what: str) -> None:
    with connect(hub) as sock:
        sock.sendall(sent)
        # the server goes on answering others meanwhile
        assert still_answers(hub)
        response = read_until_closed(sock)
    assert status_and_error(response) == (408, "RequestTimeoutException")
    assert f"request {what} did not arrive".encode() in response


def test_a_request_dribbled_byte_by_byte_is_cut_off_too(hub: MighubServer) -> None:
    # each byte arrives in time for the one before, but the deadline runs from the first
    with connect(hub) as sock:
        sock.settimeout(0.2)
        for byte in HALF_BODY:  # 0.2 s a byte: about 30 s for all of them
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # closed by the server
            try:
                sock.recv(65536)
                break  # the 408, or the close
            except TimeoutError:
                continue
            except OSError:
                break
        else:
            pytest.fail("the server let the request dribble in for as long as the client liked")


def test_a_connection_that_sends_nothing_is_closed(hub: MighubServer) -> None:
    with connect(hub) as sock:
        assert read_until_closed(sock) == b""


def test_a_body_still_coming_after_the_answer_is_cut_off(hub: MighubServer) -> None:
    # answered at once (the host is refused before the body is read), then the body never ends
    request = b"POST / HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 100000\r\n\r\n{"
    with connect(hub) as sock:
        sock.sendall(request)
        response = read_until_closed(sock)
    assert status_and_error(response) == (403, "AccessDeniedException")


def test_complete_requests_on_one_connection_are_not_affected(hub: MighubServer) -> None:
    request = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: " + LIST.encode() + b"\r\nContent-Length: 2\r\n\r\n{}"
    )
    with connect(hub) as sock:
        last = request.replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n")
        sock.sendall(request * 2 + last)  # pipelined
        response = read_until_closed(sock)
    assert response.count(b"HTTP/1.1 200 OK") == 3


def test_oversized_headers_are_refused_431(hub: MighubServer) -> None:
    with connect(hub) as sock:
        sock.sendall(b"GET /_mighub/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"p" * 100_000 + b"\r\n\r\n")
        response = read_until_closed(sock)
    assert status_and_error(response) == (431, "RequestEntityTooLargeException")
    assert still_answers(hub)


def probe(srv: MighubServer) -> int | None:
    """The status of a health check, or None when the connection was refused or cut."""
    try:
        return http_request(srv.endpoint, "GET", "/_mighub/health", timeout=5)[0]
    except (OSError, http.client.HTTPException):
        return None


def test_over_the_connection_limit_new_connections_get_503_and_it_recovers(hub: MighubServer) -> None:
    held = [connect(hub) for _ in range(MAX_CONNECTIONS)]
    try:
        for sock in held:  # each holds a slot with a request never finished
            sock.sendall(HALF_HEADERS)
        assert still_answers_with_one_slot_free(hub, held)
        with connect(hub) as extra:
            refused = read_until_closed(extra)
        # a 503 answer, or nothing at all if the close overtook it
        if refused:
            assert status_and_error(refused) == (503, "ServiceUnavailableException")
        assert probe(hub) in (503, None)
    finally:
        for sock in held:
            sock.close()
    # the slots free as the clients go: the hub answers again
    poll(lambda: probe(hub) == 200, timeout=PATIENCE)


def still_answers_with_one_slot_free(srv: MighubServer, held: list[socket.socket]) -> bool:
    """Up to the limit itself, connections are served: free one slot and use it."""
    held.pop().close()
    poll(lambda: probe(srv) == 200, timeout=PATIENCE)
    held.append(connect(srv))
    held[-1].sendall(HALF_HEADERS)
    return True


def test_a_client_that_does_not_read_its_answers_is_cut_off(hub: MighubServer) -> None:
    count = 20_000  # pipelined: megabytes of answers, more than the socket buffers hold
    request = b"GET /_mighub/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(PATIENCE)
    with sock:
        sock.connect(("127.0.0.1", hub.port))
        sock.sendall(request * count)
        # not reading for a while: the server waits --request-timeout, then drops the connection
        poll(lambda: _reset(sock), timeout=PATIENCE)
        answers = read_until_closed(sock).count(b"HTTP/1.1 200")
    assert answers < count


def _reset(sock: socket.socket) -> bool:
    """True once the peer has dropped the connection (without reading anything ourselves)."""
    try:
        sock.send(b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return True
    return False
