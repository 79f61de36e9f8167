"""Limits before parsing on the real binary (config.limits): deep JSON, bodies over a route's
limit (declared and chunked), the small pre-authentication API body, oversized WebSocket and RTMP
messages. Each gets its error and a log line; the server keeps serving and exits cleanly."""
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import urllib.error
import urllib.request

from harness import Haze, run_tests

ACCOUNT = {"admin": {"password": hashlib.md5(b"secret").hexdigest()}}


def raw_http(port, head, body=b"", timeout=10):
    """Sends |head| (and |body|) on a fresh connection; returns everything read until close."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head.encode() + body)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out


def post(url, body, headers=None):
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_deep_json_gets_400_and_the_server_stays():
    with Haze({"streams": {"a": {"source": "push://"}}}) as h:
        deep = '{"a":' + "[" * 100000 + "]" * 100000 + "}"
        status, body = post(f"http://127.0.0.1:{h.api_port}/api", deep.encode(),
                            {"Content-Type": "application/json"})
        assert status == 400, (status, body[:200])
        assert b"nested deeper than 64 levels" in body, body[:200]
        # The same through ?command= (a GET): the query is read within the head limit.
        query = urllib.request.quote("[" * 8000 + "]" * 8000)  # within the 64 KiB head
        status, body = post(f"http://127.0.0.1:{h.api_port}/api?command={query}", None)
        assert status == 400 and b"nested deeper" in body, (status, body[:200])
        # A config limit applies: 8 levels is fine by default.
        assert "a" in h.api({"x": [[[[[[[1]]]]]]]})["streams"]


def test_json_depth_is_configurable():
    cfg = {"streams": {"a": {"source": "push://"}}, "config": {"limits": {"json_depth": 4}}}
    with Haze(cfg) as h:
        status, body = post(f"http://127.0.0.1:{h.api_port}/api",
                            b'{"x":[[[[1]]]]}', {"Content-Type": "application/json"})
        assert status == 400 and b"deeper than 4" in body, (status, body)
        assert "a" in h.api({"x": [[1]]})["streams"]


def test_config_with_a_bad_limit_is_refused_with_its_path():
    h = Haze({"config": {"limits": {"json_depth": 100000}}})
    try:
        r = subprocess.run(h.args, capture_output=True, text=True, timeout=20)
        assert r.returncode != 0
        assert "/config/limits/json_depth" in r.stdout + r.stderr, r.stdout + r.stderr
    finally:
        h.dir.cleanup()


def api_auth(port, payload, challenge=None):
    """POSTs |payload| with MistServer challenge-response credentials for admin/secret."""
    if challenge:
        inner = hashlib.md5(b"secret").hexdigest()
        payload = dict(payload, authorize={
            "username": "admin",
            "password": hashlib.md5((inner + challenge).encode()).hexdigest()})
    return post(f"http://127.0.0.1:{port}/api", json.dumps(payload).encode(),
                {"Content-Type": "application/json"})


def test_preauth_body_is_small_until_the_peer_authorized():
    cfg = {"streams": {"a": {"source": "push://"}}, "account": ACCOUNT,
           "config": {"controller": {"local_auto_auth": False}}}
    big = {"pad": "x" * 20000}
    with Haze(cfg) as h:
        status, body = api_auth(h.api_port, big)
        assert status == 413, (status, body[:200])
        assert "over the 16384-byte limit" in h.output()
        status, body = api_auth(h.api_port, {})
        answer = json.loads(body)
        assert answer["authorize"]["status"] == "CHALL", answer
        challenge = answer["authorize"]["challenge"]
        # A wrong password does not lift the limit.
        status, body = post(f"http://127.0.0.1:{h.api_port}/api", json.dumps(
            {"authorize": {"username": "admin", "password": "0" * 32}}).encode(),
            {"Content-Type": "application/json"})
        assert json.loads(body)["authorize"]["status"] == "CHALL"
        assert api_auth(h.api_port, big)[0] == 413
        # Authorized once with a small request: the address may now send large ones.
        status, body = api_auth(h.api_port, {}, challenge)
        assert json.loads(body)["authorize"]["status"] == "OK", body
        status, body = api_auth(h.api_port, big, challenge)
        assert status == 200 and "a" in json.loads(body)["streams"], (status, body[:200])


def test_authorization_header_lifts_the_limit_in_one_request():
    cfg = {"streams": {"a": {"source": "push://"}}, "account": ACCOUNT,
           "config": {"controller": {"local_auto_auth": False}}}
    with Haze(cfg) as h:
        challenge = json.loads(api_auth(h.api_port, {})[1])["authorize"]["challenge"]
        inner = hashlib.md5(b"secret").hexdigest()
        creds = {"username": "admin",
                 "password": hashlib.md5((inner + challenge).encode()).hexdigest()}
        status, body = post(f"http://127.0.0.1:{h.api_port}/api",
                            json.dumps({"pad": "y" * 30000}).encode(),
                            {"Content-Type": "application/json",
                             "Authorization": "json " + json.dumps(creds)})
        assert status == 200 and "a" in json.loads(body)["streams"], (status, body[:200])


def test_declared_large_bodies_get_413_before_the_body_is_sent():
    with Haze({"streams": {"a": {"source": "push://"}}}) as h:
        head = ("POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 10000000000\r\n\r\n")
        out = raw_http(h.api_port, head)
        assert out.startswith(b"HTTP/1.1 413"), out[:200]
        assert b"request body over 4194304 bytes" in out, out
        head = "POST /json_a.js HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n"
        out = raw_http(h.http_port, head)
        assert out.startswith(b"HTTP/1.1 413"), out[:200]
        # Within the limit the route answers as usual (an offline stream's info: 503).
        out = raw_http(h.http_port, "POST /json_a.js HTTP/1.1\r\nHost: x\r\n"
                       "Content-Length: 2\r\nConnection: close\r\n\r\n", b"{}")
        assert out.startswith(b"HTTP/1.1 503"), out[:200]
        out = raw_http(h.api_port, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                       "Connection: close\r\n\r\n", b"{}")
        assert out.startswith(b"HTTP/1.1 200"), out[:200]
        assert "declares a 10000000000-byte body, over the 4194304-byte limit" in h.output()


def test_chunked_body_over_the_limit_closes_the_connection():
    with Haze({"streams": {"a": {"source": "push://"}}}) as h:
        with socket.create_connection(("127.0.0.1", h.http_port), timeout=10) as s:
            s.sendall(b"POST /json_a.js HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            closed = False
            chunk = b"%x\r\n%s\r\n" % (4096, b"z" * 4096)
            try:
                for _ in range(64):  # 256 KiB offered, 64 KiB allowed
                    s.sendall(chunk)
                s.settimeout(10)
                data = s.recv(65536)
                closed = data == b"" or not data.startswith(b"HTTP/1.1 200")
            except (ConnectionResetError, BrokenPipeError):
                closed = True
            assert closed
        assert "sent a request body over 65536 bytes (chunked)" in h.output()
        out = raw_http(h.http_port, "GET /json_a.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 "), out[:100]  # still served


def ws_connect(port, path="/ws"):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def ws_send_text(s, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(header + mask + masked)


def ws_frames(s):
    """Reads frames until the peer closes or the socket times out; returns ([(opcode, payload)],
    closed)."""
    frames, buf = [], b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return frames, True
            buf += data
            while len(buf) >= 2:
                op, n = buf[0] & 0x0F, buf[1] & 0x7F
                off = 2
                if n == 126:
                    n, off = struct.unpack("!H", buf[2:4])[0], 4
                elif n == 127:
                    n, off = struct.unpack("!Q", buf[2:10])[0], 10
                if len(buf) < off + n:
                    break
                frames.append((op, buf[off:off + n]))
                buf = buf[off + n:]
                if op == 8:
                    return frames, True
    except ConnectionResetError:
        return frames, True
    except socket.timeout:
        return frames, False


def test_oversized_websocket_message_closes_with_1009():
    cfg = {"streams": {"a": {"source": "push://"}}, "account": ACCOUNT,
           "config": {"controller": {"local_auto_auth": False}}}
    with Haze(cfg) as h:
        s = ws_connect(h.api_port)
        ws_send_text(s, b'["auth",{"pad":"' + b"w" * 70000 + b'"}]')
        # Closed: a close frame with 1009, or a reset (the rest of the message was unread).
        frames, closed = ws_frames(s)
        s.close()
        assert closed, frames
        closes = [p for op, p in frames if op == 8]
        assert not closes or struct.unpack("!H", closes[0][:2])[0] == 1009, frames
        assert "ws: 127.0.0.1: " in h.output(), h.output()[-1500:]
        # A deep message within the size is ignored without harm; the socket stays usable.
        s = ws_connect(h.api_port)
        ws_send_text(s, b"[" * 5000 + b"]" * 5000)
        s.settimeout(2)
        frames, closed = ws_frames(s)  # the auth frame; then nothing until the timeout
        s.close()
        assert not closed, frames


def rtmp_handshake(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"\x03" + bytes(1536))
    got = b""
    while len(got) < 3073:
        data = s.recv(8192)
        assert data, "RTMP handshake: connection closed"
        got += data
    s.sendall(got[1:1537])  # C2 echoes S1
    return s


def test_rtmp_message_over_the_limit_closes_the_connection():
    cfg = {"streams": {"a": {"source": "push://"}},
           "config": {"limits": {"rtmp_message_bytes": 65536}}}
    with Haze(cfg) as h:
        s = rtmp_handshake(h.rtmp_port)
        # Chunk basic header fmt 0 / csid 3, timestamp 0, length 100000, type 20 (AMF0 command).
        s.sendall(b"\x03" + b"\x00\x00\x00" + (100000).to_bytes(3, "big") + b"\x14" +
                  bytes(4) + bytes(128))
        s.settimeout(10)
        try:
            rest = s.recv(65536)
            while rest:
                rest = s.recv(65536)
        except ConnectionResetError:
            pass
        s.close()
        assert "message too large" in h.output(), h.output()[-2000:]
        rtmp_handshake(h.rtmp_port).close()  # the next client is served


if __name__ == "__main__":
    run_tests([
        test_deep_json_gets_400_and_the_server_stays,
        test_json_depth_is_configurable,
        test_config_with_a_bad_limit_is_refused_with_its_path,
        test_preauth_body_is_small_until_the_peer_authorized,
        test_authorization_header_lifts_the_limit_in_one_request,
        test_declared_large_bodies_get_413_before_the_body_is_sent,
        test_chunked_body_over_the_limit_closes_the_connection,
        test_oversized_websocket_message_closes_with_1009,
        test_rtmp_message_over_the_limit_closes_the_connection,
    ])
