"""Helpers for end-to-end tests: run the built haze binary on free loopback ports with a
temporary config, wait for conditions, call the JSON API. Standard library only."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

BUILD = os.environ.get("HAZE_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE = os.environ.get("HAZE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
HAZE = os.path.join(BUILD, "src", "haze")
# SIGTERM must end haze within 5 s whatever is connected (a margin for loaded CI machines).
SHUTDOWN_TIMEOUT_S = 10
# GLib's own problem lines ("(haze:123): GLib-CRITICAL **: ...", "...-WARNING **: ...").
GLIB_PROBLEM = re.compile(r"(CRITICAL|WARNING) \*\*|-CRITICAL|g_assertion|assertion .* failed")


def asan_runtime():
    """The AddressSanitizer runtime haze links in an ASan build (.ci/sanitize), else None. A
    program that loads the instrumented haze plugin (gst-launch-1.0) needs it preloaded."""
    ldd = subprocess.run(["ldd", HAZE], capture_output=True, text=True).stdout
    m = re.search(r"libasan\.so\S* => (\S+)", ldd)
    return m.group(1) if m else None


def with_haze_plugin(cmd):
    """|cmd|, a shell command running gst-launch-1.0 with the haze plugin, able to load it."""
    runtime = asan_runtime()
    if not runtime:
        return cmd
    return cmd.replace("gst-launch-1.0", f"LD_PRELOAD={runtime} gst-launch-1.0", 1)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = cond()
            if last:
                return last
        except Exception as e:  # the server may not be up yet
            last = e
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Haze:
    """A haze process on free ports. Use as a context manager."""

    def __init__(self, config, extra_args=(), configrw="off", listen_flags=True):
        """|listen_flags|: pass --http-port/--rtmp-port/--rtsp-port/--srt-port (free ports);
        without them the config's protocols list decides (its ports must be free ones)."""
        self.dir = tempfile.TemporaryDirectory(prefix="haze-e2e-")
        self.config_path = os.path.join(self.dir.name, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        self.api_port = free_port()
        self.http_port = free_port()
        self.rtmp_port = free_port()
        ports = ["--http-port", str(self.http_port), "--rtmp-port", str(self.rtmp_port),
                 "--rtsp-port", "0", "--srt-port", "0"] if listen_flags else []
        self.args = [HAZE, "-c", self.config_path, "-i", "127.0.0.1", "-p", str(self.api_port),
                     *ports, "--configrw", configrw, *extra_args]
        self.proc = None
        self.check_exit = True
        self.stopped = None  # exit status once stopped
        self.stop_seconds = None
        self.log_path = os.path.join(self.dir.name, "haze.log")

    def __enter__(self):
        self.check_exit = True
        self.stopped = None
        self.log = open(self.log_path, "w")
        env = dict(os.environ, GST_DEBUG=os.environ.get("GST_DEBUG", "haze*:4"))
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for(lambda: self.proc.poll() is not None or self._api_up(), 20, "the API port")
        if self.proc.poll() is not None:
            raise AssertionError(f"haze exited with {self.proc.returncode}:\n{self.output()}")
        return self

    def __exit__(self, *exc):
        problem = None
        try:
            problem = self.stop()
        finally:
            self.log.close()
            if exc[0] is not None or problem:
                print("---- haze log (tail) ----")
                print(self.output()[-6000:])
            self.dir.cleanup()
        if problem and exc[0] is None:
            raise AssertionError(problem)

    def stop(self, timeout=SHUTDOWN_TIMEOUT_S):
        """Stops haze as systemd does (SIGTERM) and checks how it went: a clean exit (status 0)
        within |timeout| seconds and no GLib criticals or warnings in its output. Returns the
        problem found, or None. A test that killed haze itself sets check_exit = False."""
        if not self.proc or self.stopped is not None:
            return None
        if self.proc.poll() is not None:
            self.stopped = self.proc.returncode
            if self.check_exit:
                return f"haze exited by itself during the test with status {self.stopped}"
            return None
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.stopped = self.proc.returncode
            return f"haze did not exit within {timeout}s of SIGTERM (killed)"
        self.stop_seconds = time.monotonic() - start
        self.stopped = self.proc.returncode
        if not self.check_exit:
            return None
        if self.stopped != 0:
            how = (f"signal {signal.Signals(-self.stopped).name}" if self.stopped < 0
                   else f"status {self.stopped}")
            return f"haze exited with {how} after SIGTERM"
        bad = [l for l in self.output().splitlines() if GLIB_PROBLEM.search(l)]
        if bad:
            return "haze logged GLib problems:\n" + "\n".join(bad[:10])
        return None

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def listening(self):
        """The (protocol, port) pairs haze listens on: TCP listeners and bound UDP sockets."""
        inodes = set()
        fd_dir = f"/proc/{self.proc.pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = set()
        for proto, files in (("tcp", ("tcp", "tcp6")), ("udp", ("udp", "udp6"))):
            for name in files:
                try:
                    with open(f"/proc/net/{name}") as f:
                        rows = f.read().splitlines()[1:]
                except OSError:
                    continue
                for row in rows:
                    cols = row.split()
                    local, state, inode = cols[1], cols[3], cols[9]
                    if inode in inodes and (proto == "udp" or state == "0A"):
                        found.add((proto, int(local.rsplit(":", 1)[1], 16)))
        return found

    def _api_up(self):
        with socket.create_connection(("127.0.0.1", self.api_port), timeout=1):
            return True

    def api(self, commands, path="/api"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.api_port}{path}",
                                     data=json.dumps(commands).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def http_url(self, path):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def stream_status(self, name):
        answer = self.api({"active_streams": {"fields": ["status"], "streams": [name]}})
        streams = answer.get("active_streams") or {}
        entry = streams.get(name) if isinstance(streams, dict) else None
        return entry[0] if entry else None

    def wait_online(self, name, timeout=30):
        return wait_for(lambda: self.stream_status(name) == "Online", timeout, f"{name} Online")


def run_tests(tests):
    """Runs test functions, prints a summary, exits non-zero on failure (meson exit-code protocol)."""
    import sys
    import traceback
    failed = 0
    for t in tests:
        start = time.monotonic()
        try:
            t()
            print(f"PASS {t.__name__} ({time.monotonic() - start:.1f}s)")
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__}")
            traceback.print_exc()
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
