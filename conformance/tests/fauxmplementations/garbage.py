"""A driver that starts correctly, then answers with text that is not protocol JSON."""

import json
import sys

for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "start":
        answer = {
            "seq": request["seq"],
            "result": {"implementation": {"name": "faux-garbage", "language": "none", "version": "0"}},
        }
        print(json.dumps(answer), flush=True)
    elif request["op"] == "stop":
        print(json.dumps({"seq": request["seq"], "result": {}}), flush=True)
        break
    else:
        print("Traceback (most recent call last): oops", flush=True)
