"""The built haze binary with the web UI and the embeddable player, driven by headless Chromium
(playwright-core): web_ui.mjs (management UI with challenge auth, local auto-auth off) and
web_embed.mjs (/STREAM.html playback and source fallback). Screenshots go to
build/test-artifacts/."""
import os
import subprocess

from harness import Haze, run_tests

HERE = os.path.dirname(os.path.abspath(__file__))


def node(script, *args):
    r = subprocess.run(["node", os.path.join(HERE, script), *args], cwd=HERE, capture_output=True,
                       text=True, timeout=240)
    print(r.stdout)
    assert r.returncode == 0, f"{script} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"


def test_management_ui():
    config = {"config": {"controller": {"local_auto_auth": False}},
              "streams": {"vg": {"source": "videogen", "always_on": True}}}
    with Haze(config) as h:
        node("web_ui.mjs", f"http://127.0.0.1:{h.api_port}", h.http_url("/"))


def test_embed_player():
    with Haze({"streams": {"vg": {"source": "videogen", "always_on": True}}}) as h:
        h.wait_online("vg")
        node("web_embed.mjs", h.http_url("/"), "vg")


if __name__ == "__main__":
    import shutil
    import sys
    if not (os.access("/usr/bin/chromium", os.X_OK) and shutil.which("node") and
            os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core"))):
        print("skipped: needs /usr/bin/chromium, node and tests/e2e/node_modules (.ci/setup)")
        sys.exit(77)  # meson: skipped
    run_tests([test_management_ui, test_embed_player])
