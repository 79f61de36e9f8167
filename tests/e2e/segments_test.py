"""The built haze binary: an RTMP publish (ffmpeg) plays as HLS (TS), CMAF HLS with LL-HLS
parts and DASH from /hls and /cmaf on the HTTP port; ffmpeg decodes each without errors."""
import subprocess
import urllib.request

from harness import Haze, run_tests, wait_for

FFMPEG_PUB = ("ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 "
              "-f lavfi -i sine=sample_rate=48000 -c:v libx264 -preset ultrafast -tune zerolatency "
              "-g 25 -c:a aac -t 60 -f flv")


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode(errors="replace"), dict(r.headers)


def decoded_frames(url, seconds):
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", url, "-t", str(seconds),
                        "-map", "0", "-f", "null", "-", "-progress", "pipe:1"],
                       capture_output=True, text=True, timeout=60)
    frames = [int(l[6:]) for l in r.stdout.splitlines() if l.startswith("frame=")]
    return r.returncode, (frames[-1] if frames else -1), r.stderr


def test_rtmp_publish_plays_as_hls_cmaf_and_dash():
    with Haze({"streams": {"live": {"source": "push://"}}}) as h:
        offline, _ = fetch(h.http_url("/hls/nope/index.m3u8"))
        assert "#EXT-X-ERROR" in offline, offline
        ff = subprocess.Popen(FFMPEG_PUB.split() + [f"rtmp://127.0.0.1:{h.rtmp_port}/live/live"])
        try:
            h.wait_online("live")
            wait_for(lambda: "#EXTINF" in fetch(h.http_url("/hls/live/0_1/index.m3u8"))[0]
                     or "#EXTINF" in fetch(h.http_url("/hls/live/index.m3u8"))[0], 20,
                     "a first HLS segment")
            master, headers = fetch(h.http_url("/cmaf/live/index.m3u8"))
            assert "CODECS=\"avc1." in master and "mp4a.40.2" in master, master
            assert headers.get("Access-Control-Allow-Origin") == "*", headers
            media, _ = fetch(h.http_url("/cmaf/live/0/index.m3u8"))
            assert "#EXT-X-PART-INF" in media and "#EXT-X-PRELOAD-HINT" in media, media
            for path in ("/hls/live/index.m3u8", "/cmaf/live/index.m3u8", "/cmaf/live/index.mpd"):
                rc, frames, err = decoded_frames(h.http_url(path), 4)
                assert rc == 0 and err == "" and frames >= 80, (path, rc, frames, err)
        finally:
            ff.kill()
            ff.wait()


if __name__ == "__main__":
    run_tests([test_rtmp_publish_plays_as_hls_cmaf_and_dash])
