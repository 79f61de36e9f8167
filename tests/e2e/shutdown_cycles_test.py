"""50 consecutive cycles of: start haze, publish over RTMP, play over RTMP and HTTP-FLV, SIGTERM.
Every cycle must exit 0 within the bound with no GLib problem lines (the harness checks); the
count of clean cycles is printed."""
import os
import subprocess
import tempfile
import threading
import urllib.request

from harness import Haze, run_tests, wait_for

CYCLES = int(os.environ.get("HAZE_SHUTDOWN_CYCLES", "50"))


def make_source(d):
    """A 10 s H.264 + AAC FLV, encoded once: each cycle's publisher only copies it."""
    path = os.path.join(d, "src.flv")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
                    "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine", "-t", "10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
                    "-f", "flv", path], check=True, timeout=120)
    return path


def first_bytes(url, want, got):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            while got[0] < want:
                chunk = r.read(4096)
                if not chunk:
                    return
                got[0] += len(chunk)
    except Exception:
        pass


def test_publish_play_sigterm_cycles():
    with tempfile.TemporaryDirectory(prefix="haze-cycles-") as d:
        src = make_source(d)
        clean = 0
        times = []
        for cycle in range(CYCLES):
            with Haze({"streams": {"live": {"source": "push://"}}}) as h:
                pub = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-re",
                                        "-stream_loop", "-1", "-i", src, "-c", "copy", "-f", "flv",
                                        f"rtmp://127.0.0.1:{h.rtmp_port}/live/live"])
                play = None
                try:
                    h.wait_online("live")
                    play = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i",
                                             f"rtmp://127.0.0.1:{h.rtmp_port}/play/live",
                                             "-f", "null", "-"])
                    got = [0]
                    t = threading.Thread(target=first_bytes,
                                         args=(h.http_url("/live.flv"), 20000, got), daemon=True)
                    t.start()
                    wait_for(lambda: got[0] >= 20000, 20, "HTTP-FLV bytes")
                    problem = h.stop()
                    assert problem is None, f"cycle {cycle + 1}: {problem}"
                    times.append(h.stop_seconds)
                    clean += 1
                finally:
                    for p in (pub, play):
                        if p:
                            p.kill()
                            p.wait()
        times.sort()
        print(f"{clean} of {CYCLES} publish/play/SIGTERM cycles exited 0; shutdown median "
              f"{times[len(times) // 2] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")
        assert clean == CYCLES


if __name__ == "__main__":
    run_tests([test_publish_play_sigterm_cycles])
