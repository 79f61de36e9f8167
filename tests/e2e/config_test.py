"""Config persistence of the real binary: SIGKILL during saves never leaves a broken file;
API edits are saved; edits on disk are reloaded and a broken file is refused."""
import json
import random
import signal
import threading
import time
import urllib.request

from harness import Haze, free_port, run_tests, wait_for


def test_sigkill_during_saves_leaves_a_parsable_file():
    rng = random.Random(7)
    with Haze({"streams": {"a": {"source": "push://"}}}, configrw="rw") as h:
        path = h.config_path
        for round_ in range(8):
            stop = threading.Event()

            def hammer():
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        h.api({"addstream": {f"s{round_}x{i}": {"source": "push://",
                                                                "x-pad": "x" * 4000}},
                               "save": True}, path="/api2")
                    except Exception:
                        return  # the server was killed
            t = threading.Thread(target=hammer)
            t.start()
            time.sleep(rng.uniform(0.05, 0.4))
            h.check_exit = False  # killed on purpose: nothing to check about its exit
            h.proc.send_signal(signal.SIGKILL)
            h.proc.wait()
            stop.set()
            t.join()
            with open(path) as f:
                doc = json.load(f)  # raises if the file is broken
            assert "a" in doc["streams"], doc.keys()
            h.__enter__()  # restart on the same config file


def test_api_edit_is_saved_and_disk_edit_is_reloaded():
    with Haze({"streams": {"a": {"source": "push://"}}}, configrw="rw") as h:
        h.api({"addstream": {"b": {"source": "push://"}}, "save": True})
        with open(h.config_path) as f:
            assert "b" in json.load(f)["streams"]
        with open(h.config_path, "w") as f:
            f.write('{"streams": {')  # broken: refused, running config kept
        time.sleep(1.5)
        assert "b" in h.api({})["streams"]
        with open(h.config_path, "w") as f:
            json.dump({"streams": {"c": {"source": "push://"}}}, f)
        wait_for(lambda: "c" in h.api({})["streams"], 15, "reloaded stream c")
        assert "b" not in h.api({})["streams"]


def test_only_the_listed_connectors_listen():
    http, rtmp = free_port(), free_port()
    config = {"config": {"protocols": [{"connector": "HTTP", "port": http},
                                       {"connector": "RTMP", "port": rtmp}]},
              "streams": {"a": {"source": "videogen", "always_on": True}}}
    with Haze(config, listen_flags=False) as h:
        h.wait_online("a")
        assert h.listening() == {("tcp", h.api_port), ("tcp", http), ("tcp", rtmp)}, h.listening()
        protocols = h.api({})["config"]["protocols"]
        assert [(p["connector"], p["port"], p["online"]) for p in protocols] == \
            [("HTTP", http, 1), ("RTMP", rtmp, 1)], protocols
        info = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{http}/json_a.js", timeout=10).read())
        urls = [s["url"] for s in info["source"]]
        assert any(u.startswith("rtmp:") for u in urls), urls
        assert not any(u.startswith("rtsp:") for u in urls), urls


def test_command_line_ports_override_the_list_and_show_in_the_config_answer():
    listed = free_port()
    config = {"config": {"protocols": [{"connector": "HTTP", "port": listed},
                                       {"connector": "RTSP", "port": 1}]},
              "streams": {"a": {"source": "push://"}}}
    http, rtmp = free_port(), free_port()
    # --http-port moves HTTP, --rtmp-port enables RTMP (not listed); RTSP (listed) gets port 0.
    with Haze(config, listen_flags=False,
              extra_args=["--http-port", str(http), "--rtmp-port", str(rtmp),
                          "--rtsp-port", "0"]) as h:
        answer = {p["connector"]: p for p in h.api({})["config"]["protocols"]}
        assert answer["HTTP"]["port"] == http and answer["HTTP"]["online"] == 1, answer
        assert answer["RTMP"]["port"] == rtmp and answer["RTMP"]["online"] == 1, answer
        rtsp = answer["RTSP"]["port"]
        assert rtsp not in (0, 1) and answer["RTSP"]["online"] == 1, answer
        assert h.listening() == {("tcp", h.api_port), ("tcp", http), ("tcp", rtmp),
                                 ("tcp", rtsp)}, h.listening()
        with open(h.config_path) as f:  # the stored config keeps what the operator wrote
            assert json.load(f)["config"]["protocols"][0]["port"] == listed


if __name__ == "__main__":
    run_tests([test_sigkill_during_saves_leaves_a_parsable_file,
               test_api_edit_is_saved_and_disk_edit_is_reloaded,
               test_only_the_listed_connectors_listen,
               test_command_line_ports_override_the_list_and_show_in_the_config_answer])
