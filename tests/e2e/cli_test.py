"""The haze command line: flags, errors, --print-pipeline reproduced with gst-launch-1.0."""
import json
import os
import subprocess
import tempfile

from harness import HAZE, run_tests, with_haze_plugin


def run(*args, timeout=20):
    return subprocess.run([HAZE, *args], capture_output=True, text=True, timeout=timeout)


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("haze "), r


def test_unknown_flag_is_one_line_and_exit_1():
    r = run("--no-such-flag")
    assert r.returncode == 1, r
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "no-such-flag" in r.stderr


def test_bad_port_value():
    r = run("-p", "70000")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r


def test_unreadable_config_is_one_line_and_exit_1():
    with tempfile.TemporaryDirectory() as d:
        broken = os.path.join(d, "broken.json")
        with open(broken, "w") as f:
            f.write('{"streams": {')
        r = run("-c", broken, "-p", "0", "--http-port", "0", "--rtmp-port", "0")
        assert r.returncode == 1, r
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert broken in r.stderr
        # A directory is not a readable config either.
        r = run("-c", d, "-p", "0", "--http-port", "0", "--rtmp-port", "0")
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r


def test_print_pipeline_runs_in_gst_launch():
    r = run("--print-pipeline", "videogen")
    assert r.returncode == 0, r
    cmd = r.stdout.strip()
    assert "gst-launch-1.0" in cmd and "dtscsink" in cmd and "GST_PLUGIN_PATH=" in cmd, cmd
    # A live pipeline runs until stopped: still running after 6 s means it built, linked, played.
    p = subprocess.run(["timeout", "-s", "INT", "6", "bash", "-c", with_haze_plugin(cmd)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode in (0, 124, 130), (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    assert "ERROR" not in p.stdout + p.stderr, p.stdout[-2000:] + p.stderr[-2000:]
    assert "Setting pipeline to PLAYING" in p.stdout, p.stdout[-2000:]


def test_print_pipeline_ts_exec_pipes_the_command():
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "c.json")
        with open(cfg, "w") as f:
            json.dump({"streams": {"cam": {"source": "ts-exec:ffmpeg -hide_banner -loglevel error "
                       "-f lavfi -i testsrc=size=160x120:rate=25 -t 3 -c:v libx264 -preset "
                       "ultrafast -g 25 -f mpegts -"}}}, f)
        r = run("-c", cfg, "--print-pipeline", "cam")
        assert r.returncode == 0, r
        cmd = r.stdout.strip()
        assert cmd.startswith("ffmpeg ") and "| " in cmd and "fdsrc fd=0" in cmd, cmd
        p = subprocess.run(["bash", "-c", with_haze_plugin(cmd)], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, (p.stdout[-2000:], p.stderr[-2000:])
        assert "Got EOS from element" in p.stdout, p.stdout[-2000:]


def test_print_pipeline_unknown_stream():
    r = run("--print-pipeline", "nope")
    assert r.returncode == 1 and "not configured" in r.stderr, r


if __name__ == "__main__":
    run_tests([test_version, test_unknown_flag_is_one_line_and_exit_1, test_bad_port_value,
               test_unreadable_config_is_one_line_and_exit_1, test_print_pipeline_runs_in_gst_launch,
               test_print_pipeline_ts_exec_pipes_the_command, test_print_pipeline_unknown_stream])
