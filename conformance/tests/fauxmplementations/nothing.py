"""A driver that supports no operation at all: every cell must be skipped, none passed."""

import json
import sys

for line in sys.stdin:
    request = json.loads(line)
    seq = request["seq"]
    if request["op"] == "start":
        answer = {
            "seq": seq,
            "result": {"implementation": {"name": "faux-nothing", "language": "none", "version": "0"}},
        }
    elif request["op"] in ("stop", "configure"):
        answer = {"seq": seq, "result": {}}
    else:
        answer = {"seq": seq, "unsupported": {"reason": f"faux-nothing has no {request['op']}"}}
    print(json.dumps(answer), flush=True)
    if request["op"] == "stop":
        break
