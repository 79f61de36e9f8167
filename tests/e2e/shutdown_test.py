"""Stopping haze with SIGTERM while media flows, as systemd does: during an RTMP publish with RTMP,
HTTP-FLV, HLS and RTSP viewers and recording and nginx-rtmp pushes (recordings decode to their
end, the end triggers fired); during an RTSP RECORD publish; during an SRT/TS ingest; with a hanging
sync trigger handler and a hanging SYSTEM_STOP handler (the wait is bounded; a second signal exits
at once). The harness checks every exit: status 0, within the bound, no GLib problem lines."""
import os
import signal
import stat
import subprocess
import threading
import time
import urllib.request

from harness import Haze, free_port, run_tests, wait_for

FFMPEG_IN = ("ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi "
             "-i testsrc=size=320x240:rate=25 -f lavfi -i sine=sample_rate=48000 "
             "-c:v libx264 -preset ultrafast -tune zerolatency -g 25 -c:a aac").split()
NGINX = "/usr/sbin/nginx"
NGINX_RTMP = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def recorder(h):
    """A trigger handler that saves each payload in a file of its own (handlers run in
    parallel); returns the handler and the folder."""
    folder = os.path.join(h.dir.name, "fired")
    os.makedirs(folder)
    handler = script(os.path.join(h.dir.name, "record.sh"),
                     f'cat > "{folder}/$MIST_TRIGGER.$$"\n')
    return handler, folder


def fired(folder):
    """The names of the triggers that ran, one entry per run."""
    return sorted(name.split(".")[0] for name in os.listdir(folder))


def probe(path):
    """(video frames, errors) of a file, read to its end by ffprobe."""
    r = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
                       capture_output=True, text=True, timeout=60)
    counts = [int(x) for x in r.stdout.split() if x.isdigit()]  # TS: per program and stream
    return (counts[0] if counts else 0), r.stderr.strip()


def start_nginx(d):
    """nginx with the RTMP module recording what it receives, or None where it is missing."""
    if not (os.access(NGINX, os.X_OK) and os.path.exists(NGINX_RTMP)):
        return None, None, None
    port = free_port()
    for sub in ("logs", "rec", "tmp"):
        os.makedirs(os.path.join(d, "nginx", sub), exist_ok=True)
    root = os.path.join(d, "nginx")
    with open(os.path.join(root, "nginx.conf"), "w") as f:
        f.write(f"load_module {NGINX_RTMP};\ndaemon off;\nmaster_process off;\npid nginx.pid;\n"
                "error_log logs/error.log info;\nevents { worker_connections 64; }\n"
                f"rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n"
                f"  application sink {{ live on; record all; record_path {root}/rec;\n"
                "    record_unique off; } } }\n"
                "http { access_log off; client_body_temp_path tmp; proxy_temp_path tmp;\n"
                "  fastcgi_temp_path tmp; uwsgi_temp_path tmp; scgi_temp_path tmp; }\n")
    proc = subprocess.Popen([NGINX, "-p", root + "/", "-c", "nginx.conf"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, port, os.path.join(root, "rec")


def read_forever(url, counter):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            while True:
                chunk = r.read(16384)
                if not chunk:
                    return
                counter[0] += len(chunk)
    except Exception:
        pass  # the server closing the connection ends the viewer


def kill_all(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_sigterm_during_rtmp_publish_with_viewers_and_pushes():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        d = h.dir.name
        handler, log = recorder(h)
        h.api({"config": {"triggers": {t: [{"handler": handler}] for t in (
            "STREAM_END", "RECORDING_END", "PUSH_END", "SYSTEM_STOP")}}})
        rtsp = h.api({"capabilities": True})["capabilities"]["listen_ports"]["RTSP"]
        nginx, nginx_port, nginx_rec = start_nginx(d)
        procs = [subprocess.Popen(FFMPEG_IN + ["-f", "flv", f"rtmp://127.0.0.1:{h.rtmp_port}/live/live"])]
        if nginx:
            procs.append(nginx)
        try:
            h.wait_online("live")
            procs.append(subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i",
                                           f"rtmp://127.0.0.1:{h.rtmp_port}/play/live",
                                           "-f", "null", "-"]))
            procs.append(subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport",
                                           "tcp", "-i", f"rtsp://127.0.0.1:{rtsp}/live",
                                           "-f", "null", "-"]))
            flv = [0]
            threading.Thread(target=read_forever, args=(h.http_url("/live.flv"), flv),
                             daemon=True).start()
            with urllib.request.urlopen(h.http_url("/hls/live/index.m3u8"), timeout=30) as r:
                assert b"#EXTM3U" in r.read()
            records = {ext: os.path.join(d, "rec", f"live.{ext}") for ext in ("mkv", "mp4", "ts")}
            targets = list(records.values())
            if nginx:
                targets.append(f"rtmp://127.0.0.1:{nginx_port}/sink/live")
            for t in targets:
                h.api({"push_start": {"stream": "live", "target": t}})
            wait_for(lambda: all(os.path.exists(p) and os.path.getsize(p) > 20000
                                 for p in records.values()), 30, "recordings growing")
            wait_for(lambda: flv[0] > 20000, 30, "the HTTP-FLV viewer receiving")
            time.sleep(2)
            problem = h.stop()
            assert problem is None, problem
            print(f"shutdown with 1 publisher, 4 viewers, {len(targets)} pushes: "
                  f"{h.stop_seconds * 1000:.0f} ms")
        finally:
            kill_all(procs)
        for ext, path in records.items():
            frames, errors = probe(path)
            assert frames >= 50 and not errors, (ext, frames, errors)
        if nginx:
            flvs = [f for f in os.listdir(nginx_rec) if f.endswith(".flv")]
            assert flvs, "nginx recorded nothing"
            frames, errors = probe(os.path.join(nginx_rec, flvs[0]))
            assert frames >= 50, (frames, errors)
        events = fired(log)
        assert events.count("RECORDING_END") == 3, events
        assert events.count("PUSH_END") == len(targets), events
        assert "STREAM_END" in events and "SYSTEM_STOP" in events, events


def test_sigterm_during_rtsp_record_publish():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        rtsp = h.api({"capabilities": True})["capabilities"]["listen_ports"]["RTSP"]
        procs = [subprocess.Popen(FFMPEG_IN + ["-f", "rtsp", "-rtsp_transport", "tcp",
                                               f"rtsp://127.0.0.1:{rtsp}/live"])]
        try:
            h.wait_online("live")
            procs.append(subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i",
                                           h.http_url("/live.ts"), "-f", "null", "-"]))
            time.sleep(2)
            problem = h.stop()
            assert problem is None, problem
        finally:
            kill_all(procs)


def test_sigterm_during_srt_ingest():
    port = free_port()
    with Haze({"streams": {"srt": {"source": f"srt://:{port}", "always_on": True}}}) as h:
        ff = subprocess.Popen(FFMPEG_IN + ["-f", "mpegts", f"srt://127.0.0.1:{port}?pkt_size=1316"])
        try:
            h.wait_online("srt")
            time.sleep(1)
            problem = h.stop()
            assert problem is None, problem
        finally:
            kill_all([ff])


def test_sigterm_with_a_hanging_sync_handler():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        d = h.dir.name
        started = os.path.join(d, "started")
        hang = script(os.path.join(d, "hang.sh"), f"touch {started}; exec sleep 300\n")
        h.api({"config": {"triggers": {"PUSH_REWRITE": [{"handler": hang, "sync": True}]}}})
        ff = subprocess.Popen(FFMPEG_IN + ["-f", "flv", f"rtmp://127.0.0.1:{h.rtmp_port}/live/key"])
        try:
            wait_for(lambda: os.path.exists(started), 30, "the handler running")
            problem = h.stop()
            assert problem is None, problem
        finally:
            kill_all([ff])
        # The hanging handler did not survive the server.
        r = subprocess.run(["pgrep", "-f", hang], capture_output=True, text=True)
        assert r.stdout.strip() == "", "handler still running: " + r.stdout


def test_hanging_system_stop_handler_is_bounded_and_second_signal_exits_at_once():
    for second_signal in (False, True):
        with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
            d = h.dir.name
            started = os.path.join(d, "started")
            hang = script(os.path.join(d, "hang.sh"), f"touch {started}; exec sleep 300\n")
            h.api({"config": {"triggers": {"SYSTEM_STOP": [{"handler": hang}]}}})
            h.wait_online("vg")
            if not second_signal:
                problem = h.stop()  # waits for the handler within the bound, then exit 0
                assert problem is None, problem
                assert os.path.exists(started), "SYSTEM_STOP did not run"
                continue
            h.proc.send_signal(signal.SIGTERM)
            wait_for(lambda: os.path.exists(started), 10, "SYSTEM_STOP running")
            h.proc.send_signal(signal.SIGTERM)
            h.proc.wait(10)  # at once, not after the bounded wait
            assert h.proc.returncode == 1, h.proc.returncode
            assert "second signal" in h.output()
            h.check_exit = False


if __name__ == "__main__":
    run_tests([test_sigterm_during_rtmp_publish_with_viewers_and_pushes,
               test_sigterm_during_rtsp_record_publish,
               test_sigterm_during_srt_ingest,
               test_sigterm_with_a_hanging_sync_handler,
               test_hanging_system_stop_handler_is_bounded_and_second_signal_exits_at_once])
