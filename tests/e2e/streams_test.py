"""The built haze binary on free ports: the default videogen stream, RTSP play, a ts-exec: stream fed by
ffmpeg, a tsudp:// stream fed by ffmpeg over UDP, and a port already in use."""
import json
import socket
import subprocess
import time
import urllib.request

from harness import HAZE, Haze, free_port, run_tests, wait_for

FFMPEG_TS = ("ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 "
             "-f lavfi -i sine=sample_rate=48000 -c:v libx264 -preset ultrafast -tune zerolatency "
             "-g 25 -c:a aac")


def test_default_config_runs_videogen():
    # No -c: the embedded default config (videogen always on, live push://).
    api, http, rtmp = free_port(), free_port(), free_port()
    p = subprocess.Popen([HAZE, "-i", "127.0.0.1", "-p", str(api), "--http-port", str(http),
                          "--rtmp-port", str(rtmp), "--rtsp-port", "0", "--srt-port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def status():
            body = json.dumps({"active_streams": {"fields": ["status"], "streams": ["videogen"]}})
            req = urllib.request.Request(f"http://127.0.0.1:{api}/api", data=body.encode())
            with urllib.request.urlopen(req, timeout=5) as r:
                return json.loads(r.read())["active_streams"].get("videogen", [None])[0]
        wait_for(lambda: status() == "Online", 30, "videogen Online")
    finally:
        p.terminate()
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    assert f"http://127.0.0.1:{api}/" in out, out  # the banner prints the URLs to open


def test_segmented_outputs_of_the_server_decode():
    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
        h.wait_online("vg")

        def first_segment_listed():
            with urllib.request.urlopen(h.http_url("/hls/vg/index.m3u8"), timeout=10) as r:
                variant = [l for l in r.read().decode().splitlines() if l and l[0] != "#"][0]
            with urllib.request.urlopen(h.http_url("/hls/vg/" + variant), timeout=10) as r:
                return "#EXTINF" in r.read().decode()
        wait_for(first_segment_listed, 20, "a first HLS segment")
        for path in ("/hls/vg/index.m3u8", "/cmaf/vg/index.m3u8", "/cmaf/vg/index.mpd"):
            r = subprocess.run(["ffmpeg", "-v", "error", "-rw_timeout", "15000000",
                                "-i", h.http_url(path), "-t", "4", "-f", "null", "-"],
                               capture_output=True, text=True, timeout=90)
            assert r.returncode == 0 and r.stderr == "", (path, r.stderr[-2000:])
        with urllib.request.urlopen(h.http_url("/json_vg.js"), timeout=10) as resp:
            info = json.loads(resp.read())
        urls = [s["url"] for s in info["source"]]
        assert any(u.endswith("/hls/vg/index.m3u8") for u in urls), urls


def test_rtsp_play_decodes_and_unknown_streams_are_404():
    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
        h.wait_online("vg")
        port = h.api({"capabilities": True})["capabilities"]["listen_ports"]["RTSP"]
        url = f"rtsp://127.0.0.1:{port}/vg"
        probe = subprocess.run(["ffprobe", "-v", "error", "-rw_timeout", "15000000",
                                "-show_entries", "stream=codec_name", "-of", "csv=p=0", url],
                               capture_output=True, text=True, timeout=60)
        assert sorted(probe.stdout.split()) == ["aac", "h264"], probe.stdout + probe.stderr
        # Two viewers at once (TCP and UDP transport) decode cleanly from one shared pipeline.
        viewers = [subprocess.Popen(["ffmpeg", "-v", "error", "-rtsp_transport", t, "-i", url,
                                     "-t", "4", "-f", "null", "-"],
                                    stderr=subprocess.PIPE, text=True) for t in ("tcp", "udp")]
        for v in viewers:
            _, err = v.communicate(timeout=60)
            # ffmpeg's null muxer sometimes complains about two packets with one RTP timestamp
            # (receiver side, seen over UDP on a loaded machine); any other error fails.
            errors = [l for l in err.splitlines() if "non monotonically increasing dts" not in l]
            assert v.returncode == 0 and not errors, err[-2000:]
        # GStreamer's RTSP client too.
        gst = subprocess.run(["gst-launch-1.0", "-q", "rtspsrc", f"location={url}", "!",
                              "rtph264depay", "!", "avdec_h264", "!", "fakesink",
                              "num-buffers=50"], capture_output=True, text=True, timeout=60)
        assert gst.returncode == 0, gst.stdout + gst.stderr
        info = json.loads(urllib.request.urlopen(h.http_url("/json_vg.js"), timeout=10).read())
        assert url in [src["url"] for src in info["source"]], info["source"]
        missing = subprocess.run(["ffprobe", "-v", "error", f"rtsp://127.0.0.1:{port}/nope"],
                                 capture_output=True, text=True, timeout=60)
        assert missing.returncode != 0 and "404" in missing.stderr, missing.stderr


def test_rtsp_publish_with_ffmpeg_and_gstreamer_then_play():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        port = h.api({"capabilities": True})["capabilities"]["listen_ports"]["RTSP"]
        ff = subprocess.Popen(FFMPEG_TS.split() + ["-t", "60", "-f", "rtsp", "-rtsp_transport",
                              "tcp", f"rtsp://127.0.0.1:{port}/live/live+ff"])
        gst = subprocess.Popen(["gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
                                "video/x-raw,width=320,height=240,framerate=25/1", "!",
                                "x264enc", "tune=zerolatency", "speed-preset=ultrafast",
                                "key-int-max=25", "!", "rtspclientsink", "protocols=tcp",
                                f"location=rtsp://127.0.0.1:{port}/live+gst"])
        try:
            h.wait_online("live+ff")
            h.wait_online("live+gst")
            for name, codecs in (("live+ff", ["aac", "h264"]), ("live+gst", ["h264"])):
                for src in (f"rtsp://127.0.0.1:{port}/{name}", h.http_url(f"/{name}.ts")):
                    r = subprocess.run(["ffprobe", "-v", "error", "-rw_timeout", "15000000",
                                        "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                        src], capture_output=True, text=True, timeout=60)
                    assert sorted(set(r.stdout.split())) == codecs, (src, r.stdout, r.stderr)
            # A publish to a stream that is not configured is refused.
            bad = subprocess.run(FFMPEG_TS.split() + ["-t", "2", "-f", "rtsp", "-rtsp_transport",
                                 "tcp", f"rtsp://127.0.0.1:{port}/other/nope-secret-key"],
                                 capture_output=True, text=True, timeout=60)
            assert bad.returncode != 0, bad
            assert "rtsp: publish from 127.0.0.1 refused" in h.output()
            assert "nope-secret-key" not in h.output()  # keys never reach the log
        finally:
            for p in (ff, gst):
                p.kill()
                p.wait()


def test_rtsp_bad_requests_get_an_error_status():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        port = h.api({"capabilities": True})["capabilities"]["listen_ports"]["RTSP"]

        def talk(data):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(data)
                return s.recv(200).decode(errors="replace")
        base = f"rtsp://127.0.0.1:{port}"
        assert " 400 " in talk(bytes(range(256)) * 400)
        big = (f"ANNOUNCE {base}/live/x RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
               "Content-Length: 10000000\r\n\r\n").encode() + b"v=0\r\n" * 1000
        assert " 413 " in talk(big)
        not_sdp = (f"ANNOUNCE {base}/live/live+x RTSP/1.0\r\nCSeq: 2\r\n"
                   "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nhello").encode()
        assert " 200 " not in talk(not_sdp)
        for path in ("/../../etc/passwd", "/.record/live/x", "/a/b/c"):
            assert " 404 " in talk(f"DESCRIBE {base}{path} RTSP/1.0\r\nCSeq: 3\r\n\r\n".encode())
        assert " 200 " in talk(f"OPTIONS {base}/ RTSP/1.0\r\nCSeq: 4\r\n\r\n".encode())


def test_ts_exec_stream_comes_up():
    source = f"ts-exec:{FFMPEG_TS} -t 60 -f mpegts -"
    with Haze({"streams": {"cam": {"source": source, "always_on": True}}}) as h:
        h.wait_online("cam")


def test_tsudp_stream_comes_up():
    port = free_port(socket.SOCK_DGRAM)
    with Haze({"streams": {"udp": {"source": f"tsudp://127.0.0.1:{port}", "always_on": True}}}) as h:
        wait_for(lambda: h.stream_status("udp") in ("Waiting for data", "Online"), 20, "udp listening")
        ff = subprocess.Popen(FFMPEG_TS.split() + ["-t", "60", "-f", "mpegts",
                              f"udp://127.0.0.1:{port}?pkt_size=1316"])
        try:
            h.wait_online("udp")
        finally:
            ff.kill()
            ff.wait()


def test_rtmp_publish_to_wildcard_then_play_over_rtmp_and_http():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        url = f"rtmp://127.0.0.1:{h.rtmp_port}/live/live+abc"
        ff = subprocess.Popen(FFMPEG_TS.split() + ["-t", "60", "-f", "flv", url])
        try:
            h.wait_online("live+abc")
            assert h.stream_status("live") is None  # the base stream has its own (idle) state
            for src in (f"rtmp://127.0.0.1:{h.rtmp_port}/play/live+abc", h.http_url("/live+abc.ts")):
                r = subprocess.run(["ffprobe", "-v", "error", "-rw_timeout", "15000000",
                                    "-show_entries", "stream=codec_name", "-of", "csv=p=0", src],
                                   capture_output=True, text=True, timeout=60)
                assert r.returncode == 0 and "h264" in r.stdout and "aac" in r.stdout, (src, r)
            # A publish to a stream that is not configured is refused.
            bad = subprocess.run(FFMPEG_TS.split() + ["-t", "2", "-f", "flv",
                                 f"rtmp://127.0.0.1:{h.rtmp_port}/live/nope"],
                                 capture_output=True, text=True, timeout=60)
            assert bad.returncode != 0, bad
        finally:
            ff.kill()
            ff.wait()


def test_port_in_use_is_one_line_and_exit_1():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        r = subprocess.run([HAZE, "-i", "127.0.0.1", "-p", "0", "--http-port", str(port),
                            "--rtmp-port", "0", "--rtsp-port", "0", "--srt-port", "0"],
                           capture_output=True, text=True, timeout=30)
    finally:
        busy.close()
    assert r.returncode == 1, r
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert str(port) in r.stderr, r.stderr


def test_port_zero_picks_and_logs_a_port():
    p = subprocess.Popen([HAZE, "-i", "127.0.0.1", "-p", "0", "--http-port", "0",
                          "--rtmp-port", "0", "--rtsp-port", "0", "--srt-port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = p.stdout.readline() + p.stdout.readline() + p.stdout.readline()
        assert "Web UI and API:  http://127.0.0.1:" in line, line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        assert port > 0
        assert "Media over HTTP: http://127.0.0.1:" in line, line
        http_port = int(line.split("Media over HTTP: http://127.0.0.1:")[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        # The API tells the picked ports (the web UI builds media URLs from them).
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api",
                                     data=json.dumps({"capabilities": True}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            ports = json.loads(r.read())["capabilities"]["listen_ports"]
        assert ports["API"] == port and ports["HTTP"] == http_port, ports
        assert 0 < ports["RTMP"] != http_port, ports
    finally:
        p.terminate()
        p.wait(20)
    assert p.returncode == 0, p.returncode  # SIGTERM: a clean exit


if __name__ == "__main__":
    run_tests([test_default_config_runs_videogen, test_segmented_outputs_of_the_server_decode,
               test_rtsp_play_decodes_and_unknown_streams_are_404,
               test_rtsp_publish_with_ffmpeg_and_gstreamer_then_play,
               test_rtsp_bad_requests_get_an_error_status,
               test_ts_exec_stream_comes_up,
               test_tsudp_stream_comes_up, test_rtmp_publish_to_wildcard_then_play_over_rtmp_and_http,
               test_port_in_use_is_one_line_and_exit_1,
               test_port_zero_picks_and_logs_a_port])
