"""SIGHUP restarts haze in place: the same PID, the listeners handed over (no connection is
refused while it restarts), HLS media sequence numbers go on with one discontinuity, publishers
can publish again, and the restarted server still stops cleanly."""
import http.client
import re
import subprocess
import threading
import time
import urllib.request

from harness import Haze, run_tests, wait_for

FFMPEG = ("ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi "
          "-i testsrc=size=320x240:rate=25 -f lavfi -i sine=sample_rate=48000 -c:v libx264 "
          "-preset ultrafast -tune zerolatency -g 25 -c:a aac -f flv").split()


def playlist(h, path):
    with urllib.request.urlopen(h.http_url(path), timeout=10) as r:
        return r.read().decode()


def sequence(text):
    """(first media sequence number, number of segments, discontinuity tags)."""
    m = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    return int(m.group(1)), text.count("#EXTINF"), text.count("#EXT-X-DISCONTINUITY\n")


def test_sighup_restart_keeps_listeners_and_numbering():
    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True},
                           "live": {"source": "push://"}}}) as h:
        h.wait_online("vg")
        master = playlist(h, "/hls/vg/index.m3u8")
        media = "/hls/vg/" + [l for l in master.splitlines() if l and not l.startswith("#")][0]
        wait_for(lambda: sequence(playlist(h, media))[1] >= 2, 30, "two segments")
        first, count, _ = sequence(playlist(h, media))
        last_before = first + count - 1
        pid = h.proc.pid

        stop = threading.Event()
        refused, statuses = [], {}

        def poll():
            while not stop.is_set():
                conn = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
                try:
                    conn.request("GET", media)
                    status = conn.getresponse().status
                    statuses[status] = statuses.get(status, 0) + 1
                except ConnectionRefusedError as e:
                    refused.append(repr(e))
                except Exception as e:  # a keep-alive connection closed mid-request
                    statuses[type(e).__name__] = statuses.get(type(e).__name__, 0) + 1
                finally:
                    conn.close()
                time.sleep(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        start = time.monotonic()
        h.proc.send_signal(1)  # SIGHUP

        def continued():
            seq, n, disc = sequence(playlist(h, media))
            return (seq, n, disc) if seq + n - 1 > last_before else None
        seq, n, disc = wait_for(continued, 30, "segments after the restart")
        gap_ms = (time.monotonic() - start) * 1000
        stop.set()
        poller.join()
        print(f"restart: first new segment listed {gap_ms:.0f} ms after SIGHUP; "
              f"playlist answers meanwhile: {statuses}")
        assert h.proc.poll() is None and h.proc.pid == pid
        assert not refused, refused
        # Numbering went on from before the restart (no reset to 0), with one discontinuity.
        assert seq + n - 1 > last_before and seq >= first, (seq, n, first, last_before)
        assert disc == 1, playlist(h, media)
        # Publishers reconnect to the new process.
        ff = subprocess.Popen(FFMPEG + [f"rtmp://127.0.0.1:{h.rtmp_port}/live/live"])
        try:
            h.wait_online("live")
        finally:
            ff.kill()
            ff.wait()
        assert "restarted: 3 listeners" in h.output(), h.output()[-3000:]


if __name__ == "__main__":
    run_tests([test_sighup_restart_keeps_listeners_and_numbering])
