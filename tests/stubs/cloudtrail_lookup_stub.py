#!/usr/bin/env python3
"""A local stand-in for CloudTrail's LookupEvents API, which moto lacks.

    python cloudtrail_lookup_stub.py RECORDS.json [--throttle N]

Serves on 127.0.0.1 (a free port, printed on the first line of stdout) the
JSON 1.1 protocol the SDK speaks: POST / with
`X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`.
Shapes follow the AWS CloudTrail API Reference:
  - "LookupEvents", Response Syntax: {"Events": [{"EventId", "EventName",
    "ReadOnly", "AccessKeyId", "EventTime" (epoch seconds), "EventSource",
    "Username", "Resources", "CloudTrailEvent" (the record as a JSON
    string)}], "NextToken"}; MaxResults at most 50.
  - "Common Errors": ThrottlingException, HTTP 400,
    {"__type": "ThrottlingException", "message": "Rate exceeded"}, and
    AccessDeniedException (with --deny).
RECORDS.json is {"Records": [...]} as CloudTrail writes log files. A region's
endpoint answers the records of its region (awsRegion), as LookupEvents does;
the region is read from the SigV4 credential scope. The first N requests
(--throttle) are refused with ThrottlingException; --deny-region R answers
AccessDeniedException in R with the message of an SCP's denial (as where an
SCP closes a region). GET /stats
returns {"requests": [[time, token, status, region, StartTime, EndTime], ...]}
for the test to check pacing, retries and the time range asked.
"""
import argparse
import datetime as dt
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("records")
ap.add_argument("--throttle", type=int, default=0)
ap.add_argument("--deny", action="store_true", help="answer every call with AccessDeniedException")
ap.add_argument("--deny-region", action="append", default=[])
args = ap.parse_args()
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")
with open(args.records) as f:
    RECORDS = json.load(f)["Records"]
LOG = []
LOCK = threading.Lock()


def event(r):
    t = dt.datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    ui = r.get("userIdentity", {})
    return {"EventId": r.get("eventID", ""), "EventName": r["eventName"],
            "ReadOnly": "true" if r.get("readOnly") else "false",
            "AccessKeyId": ui.get("accessKeyId", ""), "EventTime": t.timestamp(),
            "EventSource": r["eventSource"], "Username": ui.get("userName", ""), "Resources": [],
            "CloudTrailEvent": json.dumps(r)}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "stub-%d" % len(LOG))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            self.reply(200, {"requests": LOG})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        target = self.headers.get("X-Amz-Target", "")
        token = body.get("NextToken")
        m = SCOPE.search(self.headers.get("Authorization", ""))
        region = m.group(1) if m else ""
        denied = args.deny or region in args.deny_region
        with LOCK:
            throttled = len(LOG) < args.throttle
            LOG.append([time.time(), token, 400 if throttled or denied else 200, region,
                        body.get("StartTime"), body.get("EndTime")])
        if not target.endswith(".LookupEvents"):
            return self.reply(400, {"__type": "UnknownOperationException", "message": target})
        if args.deny:
            return self.reply(400, {"__type": "AccessDeniedException",
                                    "message": "User is not authorized to perform: cloudtrail:LookupEvents"})
        if denied:
            # The message AWS gives when an SCP denies (IAM User Guide,
            # "Troubleshoot access denied error messages").
            return self.reply(400, {"__type": "AccessDeniedException",
                                    "message": "User: arn:aws:iam::123456789012:user/permgap is not authorized to "
                                               "perform: cloudtrail:LookupEvents with an explicit deny in a service "
                                               "control policy"})
        if throttled:
            return self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
        start = int(token or 0)
        size = min(int(body.get("MaxResults", 50)), 50)
        mine = [r for r in RECORDS if r.get("awsRegion", region) == region]
        page = mine[start:start + size]
        out = {"Events": [event(r) for r in page]}
        if start + size < len(mine):
            out["NextToken"] = str(start + size)
        self.reply(200, out)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
