#!/usr/bin/env python3
"""IAM with Access Advisor, which moto lacks: answers the two Access Advisor
actions itself and forwards every other IAM call to moto.

    python iam_access_advisor_stub.py UPSTREAM DATA.json [--throttle N]

Serves on 127.0.0.1 (a free port, printed on the first line of stdout) IAM's
Query protocol (form-encoded POST, XML answers). Shapes follow the IAM API
Reference:
  - "GenerateServiceLastAccessedDetails": Arn, Granularity -> JobId.
  - "GetServiceLastAccessedDetails": JobId, Marker -> JobStatus
    (IN_PROGRESS, then COMPLETED here), JobType, JobCreationDate,
    JobCompletionDate, IsTruncated, ServicesLastAccessed (ServiceName,
    ServiceNamespace, LastAuthenticated, TotalAuthenticatedEntities,
    TrackedActionsLastAccessed (ActionName, LastAccessedTime)).
  - "Common Errors": Throttling (HTTP 400, an ErrorResponse document).
DATA.json maps an identity ARN to its services:
  {"ARN": [{"ServiceNamespace": "s3", "LastAuthenticated": "2026-10-20T00:00:00Z" | null,
            "TrackedActionsLastAccessed": [{"ActionName": "ListBucket", "LastAccessedTime": "..."}]}]}
The first N Generate calls (--throttle) are refused with Throttling.
GET /stats returns {"generate": n, "get": n, "throttled": n, "forwarded": n}.
"""
import argparse
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("upstream")
ap.add_argument("data")
ap.add_argument("--throttle", type=int, default=0)
args = ap.parse_args()
with open(args.data) as f:
    DATA = json.load(f)
NS = "https://iam.amazonaws.com/doc/2010-05-08/"
LOCK = threading.Lock()
STATS = {"generate": 0, "get": 0, "throttled": 0, "forwarded": 0}
JOBS = {}  # job id -> [arn, polls]


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def services_xml(services):
    out = []
    for s in services:
        tracked = "".join(
            f"<member><ActionName>{esc(a['ActionName'])}</ActionName>"
            f"<LastAccessedTime>{esc(a['LastAccessedTime'])}</LastAccessedTime></member>"
            for a in s.get("TrackedActionsLastAccessed", []))
        last = s.get("LastAuthenticated")
        out.append(
            "<member>"
            f"<ServiceName>{esc(s.get('ServiceName', s['ServiceNamespace']))}</ServiceName>"
            f"<ServiceNamespace>{esc(s['ServiceNamespace'])}</ServiceNamespace>"
            + (f"<LastAuthenticated>{esc(last)}</LastAuthenticated>" if last else "")
            + f"<TotalAuthenticatedEntities>{1 if last else 0}</TotalAuthenticatedEntities>"
            + (f"<TrackedActionsLastAccessed>{tracked}</TrackedActionsLastAccessed>" if tracked else "")
            + "</member>")
    return "".join(out)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="text/xml"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            self.send(200, json.dumps(STATS), "application/json")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        action = form.get("Action")
        if action == "GenerateServiceLastAccessedDetails":
            with LOCK:
                STATS["generate"] += 1
                throttled = STATS["throttled"] < args.throttle
                if throttled:
                    STATS["throttled"] += 1
                job = f"job-{STATS['generate']}"
                if not throttled:
                    JOBS[job] = [form.get("Arn", ""), 0]
            if throttled:
                return self.send(400, "<ErrorResponse xmlns=\"%s\"><Error><Type>Sender</Type><Code>Throttling</Code>"
                                      "<Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>" % NS)
            return self.send(200, f"<GenerateServiceLastAccessedDetailsResponse xmlns=\"{NS}\">"
                                  f"<GenerateServiceLastAccessedDetailsResult><JobId>{job}</JobId>"
                                  "</GenerateServiceLastAccessedDetailsResult>"
                                  "<ResponseMetadata><RequestId>g</RequestId></ResponseMetadata>"
                                  "</GenerateServiceLastAccessedDetailsResponse>")
        if action == "GetServiceLastAccessedDetails":
            with LOCK:
                STATS["get"] += 1
                arn, polls = JOBS.get(form.get("JobId", ""), ["", 0])
                JOBS.setdefault(form.get("JobId", ""), [arn, 0])[1] = polls + 1
            status = "IN_PROGRESS" if polls == 0 else "COMPLETED"
            services = services_xml(DATA.get(arn, [])) if status == "COMPLETED" else ""
            return self.send(200, f"<GetServiceLastAccessedDetailsResponse xmlns=\"{NS}\">"
                                  "<GetServiceLastAccessedDetailsResult>"
                                  f"<JobStatus>{status}</JobStatus><JobType>ACTION_LEVEL</JobType>"
                                  "<JobCreationDate>2026-11-01T00:00:00Z</JobCreationDate>"
                                  "<JobCompletionDate>2026-11-01T00:00:05Z</JobCompletionDate>"
                                  "<IsTruncated>false</IsTruncated>"
                                  f"<ServicesLastAccessed>{services}</ServicesLastAccessed>"
                                  "</GetServiceLastAccessedDetailsResult>"
                                  "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                                  "</GetServiceLastAccessedDetailsResponse>")
        with LOCK:
            STATS["forwarded"] += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        req = urllib.request.Request(args.upstream + self.path, data=raw, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req) as r:
                self.send(r.status, r.read(), r.headers.get("Content-Type", "text/xml"))
        except urllib.error.HTTPError as e:
            self.send(e.code, e.read(), e.headers.get("Content-Type", "text/xml"))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
