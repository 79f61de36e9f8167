"""Triggers and pushes through the real binary: PUSH_REWRITE maps a secret token to a stream and
refuses a wrong one; STREAM_BUFFER fires FULL then EMPTY around a publish (exact payload lines);
a push started through the API records a file that ffprobe decodes."""
import json
import os
import stat
import subprocess
import time

from harness import Haze, run_tests, wait_for

FFMPEG = ("ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 "
          "-f lavfi -i sine=sample_rate=48000 -c:v libx264 -preset ultrafast -tune zerolatency "
          "-g 25 -c:a aac").split()


def script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def publish(h, key, seconds):
    return subprocess.Popen(FFMPEG + ["-t", str(seconds), "-f", "flv",
                                      f"rtmp://127.0.0.1:{h.rtmp_port}/live/{key}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_push_rewrite_maps_token_and_refuses_wrong_key():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        d = h.dir.name
        # Payload: push URL, client IP, stream name. Answer the stream for the right token only.
        handler = script(os.path.join(d, "auth.sh"),
                         f'read url; read ip; read name; echo "$url|$ip|$name" >> {d}/calls\n'
                         'if [ "$name" = "s3cr3t" ]; then echo live; else echo; fi\n')
        h.api({"config": {"triggers": {"PUSH_REWRITE": [{"handler": handler, "sync": True}]}}})
        ff = publish(h, "s3cr3t", 30)
        try:
            h.wait_online("live")
        finally:
            ff.kill()
            ff.wait()
        with open(os.path.join(d, "calls")) as f:
            url, ip, name = f.readline().strip().split("|")
        assert url.startswith(f"rtmp://127.0.0.1:{h.rtmp_port}/live") and ip == "127.0.0.1", url
        assert name == "s3cr3t"
        bad = publish(h, "wrong", 3)
        _, err = bad.communicate(timeout=60)
        assert bad.returncode != 0, err
        assert "s3cr3t" not in h.output() and "wrong" not in h.output()  # keys never logged


def test_stream_buffer_full_then_empty():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        d = h.dir.name
        log = os.path.join(d, "buffer.log")
        handler = script(os.path.join(d, "buf.sh"), f'cat >> {log}; echo "----" >> {log}\n')
        h.api({"config": {"triggers": {"STREAM_BUFFER": [{"handler": handler,
                                                           "streams": ["live"]}]}}})
        ff = publish(h, "live", 12)
        ff.wait(60)
        def events():
            if not os.path.exists(log):
                return None
            with open(log) as f:
                blocks = [b.strip().splitlines() for b in f.read().split("----") if b.strip()]
            states = [b[1] for b in blocks]
            return blocks if "EMPTY" in states else None
        blocks = wait_for(events, 30, "STREAM_BUFFER EMPTY")
        states = [b[1] for b in blocks]
        assert states[0] == "FULL" and states[-1] == "EMPTY", states
        assert all(b[0] == "live" for b in blocks)
        health = json.loads(blocks[0][2])  # FULL carries the health JSON
        assert "tracks" in health or "buffer" in health, health


def test_push_start_records_a_decodable_file():
    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
        h.wait_online("vg")
        target = os.path.join(h.dir.name, "rec.ts")
        answer = h.api({"push_start": {"stream": "vg", "target": target + "?duration=4"}})
        assert "error" not in json.dumps(answer.get("push_start", "")).lower(), answer
        wait_for(lambda: os.path.exists(target) and os.path.getsize(target) > 50000, 30, "recording")
        time.sleep(5)
        r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
                            "-of", "csv=p=0", target], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "h264" in r.stdout, r


if __name__ == "__main__":
    run_tests([test_push_rewrite_maps_token_and_refuses_wrong_key,
               test_stream_buffer_full_then_empty, test_push_start_records_a_decodable_file])
