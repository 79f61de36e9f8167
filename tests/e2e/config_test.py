"""Config persistence of the real binary: SIGKILL during saves never leaves a broken file;
API edits are saved; edits on disk are reloaded and a broken file is refused."""
import json
import random
import signal
import threading
import time

from harness import Haze, run_tests, wait_for


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


if __name__ == "__main__":
    run_tests([test_sigkill_during_saves_leaves_a_parsable_file,
               test_api_edit_is_saved_and_disk_edit_is_reloaded])
