#!/usr/bin/env python3
"""A recording proxy in front of moto (and the stubs): every AWS call that
permgap makes passes through it and is counted by IAM action, so that a test
can see, rather than trust, which operations permgap calls.

    python aws_proxy.py UPSTREAM [--route SERVICE=URL ...] [--refuse-assume ACCOUNT ...]

Serves on 127.0.0.1 (a free port, printed on the first line of stdout).
  - The service is read from the SigV4 credential scope of the Authorization
    header (AWS General Reference, "Signature Version 4": Credential=
    KEY/DATE/REGION/SERVICE/aws4_request); --route sends a service's calls
    to another upstream (a stub) instead of UPSTREAM.
  - The operation is the X-Amz-Target suffix (JSON protocols: Organizations,
    CloudTrail), the Action parameter (Query protocol: IAM, STS), or, for
    S3's REST protocol, the IAM action that authorizes the request
    (Amazon S3 User Guide, "Actions, resources, and condition keys"):
    HEAD or GET of a bucket -> s3:ListBucket, GET of a key -> s3:GetObject;
    the bucket is read from the path (path-style) or the Host
    (virtual-hosted). GET / (ListBuckets) is none of them.
    Any other S3 request is recorded as "s3:METHOD /path?query", which no
    allowed list holds.
  - --refuse-assume ACCOUNT answers sts:AssumeRole into that account with
    STS's AccessDenied error (HTTP 403, an ErrorResponse document: AWS STS
    API Reference, "AssumeRole" errors and "Common Errors").
  - --bucket-region BUCKET=REGION puts a bucket in another region: an S3
    request for it signed for any other region gets S3's answer, HTTP 301
    with the bucket's region in x-amz-bucket-region and a PermanentRedirect
    error document (Amazon S3 API Reference, "HeadBucket" and "Error
    responses").
GET /__proxy/stats returns {"calls": {"service:Operation": n}, "refused": [role ARN...]}.
"""
import argparse
import collections
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("upstream")
ap.add_argument("--route", action="append", default=[])
ap.add_argument("--refuse-assume", action="append", default=[])
ap.add_argument("--bucket-region", action="append", default=[])
args = ap.parse_args()
BUCKET_REGIONS = dict(b.split("=", 1) for b in args.bucket_region)
ROUTES = dict(r.split("=", 1) for r in args.route)
LOCK = threading.Lock()
CALLS = collections.Counter()
REFUSED = []
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")

DENIED = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/permgap is not authorized to perform: sts:AssumeRole on resource: {arn}</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"""


LISTING = {"list-type", "prefix", "delimiter", "continuation-token", "max-keys", "encoding-type", "fetch-owner",
           "start-after"}


def bucket_and_key(host, path):
    """Path-style (/bucket/key) or virtual-hosted (bucket.host/key)."""
    name = host.split(":", 1)[0]
    parts = path.lstrip("/").split("/", 1)
    if not name.replace(".", "").isdigit() and name not in ("localhost",) and "." in name:
        return name.split(".", 1)[0], path.lstrip("/")
    return parts[0], parts[1] if len(parts) > 1 else ""


def s3_action(method, bucket, key, query):
    # The SDK names the operation in x-id; the IAM action is what matters.
    query = {k: v for k, v in query.items() if k != "x-id"}
    if bucket and method in ("GET", "HEAD") and not key and not (set(query) - LISTING):
        return "s3:ListBucket"
    if bucket and method == "GET" and key and not query:
        return "s3:GetObject"
    return f"s3:{method} /{bucket}/{key}?{urllib.parse.urlencode(query, doseq=True)}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Upstream redirects go back to the client as they are."""

    def redirect_request(self, *a, **k):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def forward(self, method):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            # Not sent by the SDK for the calls permgap makes; refused rather
            # than forwarded half-read.
            self.close_connection = True
            return self.answer(411, b"chunked bodies are not supported", {})
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__proxy/stats":
            with LOCK:
                data = json.dumps({"calls": dict(CALLS), "refused": list(REFUSED)}).encode()
            return self.answer(200, data, {"Content-Type": "application/json"})
        m = SCOPE.search(self.headers.get("Authorization", ""))
        region, service = (m.group(1), m.group(2)) if m else ("", "unsigned")
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        target = self.headers.get("X-Amz-Target")
        form = urllib.parse.parse_qs(body.decode(errors="replace")) if not target and service != "s3" else {}
        bucket, key = bucket_and_key(self.headers.get("Host", ""), url.path)
        if service == "s3":
            op = s3_action(method, bucket, key, query)
        elif target:
            op = f"{service}:{target.rsplit('.', 1)[-1]}"
        else:
            op = f"{service}:{(form.get('Action') or query.get('Action') or ['?'])[0]}"
        with LOCK:
            CALLS[op] += 1
        if service == "s3" and bucket in BUCKET_REGIONS and region != BUCKET_REGIONS[bucket]:
            with LOCK:
                CALLS[f"s3:redirected ({region})"] += 1
            doc = ("<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
                   "addressed using the specified endpoint.</Message><Bucket>%s</Bucket></Error>" % bucket)
            return self.answer(301, doc.encode(), {"Content-Type": "application/xml",
                                                   "x-amz-bucket-region": BUCKET_REGIONS[bucket]},
                               head=method == "HEAD")
        if op == "sts:AssumeRole":
            arn = (form.get("RoleArn") or [""])[0]
            if any(f":{a}:" in arn for a in args.refuse_assume):
                with LOCK:
                    REFUSED.append(arn)
                return self.answer(403, DENIED.format(arn=arn).encode(), {"Content-Type": "text/xml"})
        upstream = ROUTES.get(service, args.upstream)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "connection")}
        req = urllib.request.Request(upstream + self.path, data=body if body else None, headers=headers, method=method)
        try:
            with OPENER.open(req) as r:
                status, data, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, data, hdrs = e.code, e.read(), e.headers
        keep = {k: v for k, v in hdrs.items()
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")}
        length = hdrs.get("Content-Length") if method == "HEAD" else None
        self.answer(status, data, keep, head=method == "HEAD", length=length)

    def answer(self, status, data, headers, head=False, length=None):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(length if length is not None else len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def do_GET(self):
        self.forward("GET")

    def do_POST(self):
        self.forward("POST")

    def do_HEAD(self):
        self.forward("HEAD")

    def do_PUT(self):
        self.forward("PUT")

    def do_DELETE(self):
        self.forward("DELETE")


server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
