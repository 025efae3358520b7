#!/usr/bin/env python3
"""Benchmark live collection against moto: API calls and wall time.

    python3 scripts/bench_collect.py [--identities 1000] [--accounts 20] [--per-account 50]

Uses the project's pinned moto (.venv, installed by scripts/test.sh), starts
it on a free loopback port behind a small counting proxy, seeds
  1. one account with --identities users and roles (groups, inline and
     managed policies), and runs `permgap collect aws` on it;
  2. an organization of --accounts accounts with --per-account identities
     each, and runs `permgap collect aws --org`.
For each it prints the wall time, the number of API calls by operation, and
the snapshot's size. Nothing is asserted: the figures go in the README.
"""
import argparse
import collections
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(ROOT, ".venv", "bin", "python")
CALLS = collections.Counter()
LOCK = threading.Lock()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def proxy(upstream):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def forward(self, method):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            target = self.headers.get("X-Amz-Target")
            if target:
                op = target.rsplit(".", 1)[-1]
            else:
                op = urllib.parse.parse_qs(body.decode(errors="replace")).get("Action", [None])[0]
                if op is None:
                    op = f"{method} {self.headers.get('Host', '')} (S3)"
            with LOCK:
                CALLS[op] += 1
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length",)}
            req = urllib.request.Request(upstream + self.path, data=body if method != "GET" else None,
                                         headers=headers, method=method)
            try:
                with urllib.request.urlopen(req) as r:
                    status, data, hdrs = r.status, r.read(), r.headers
            except urllib.error.HTTPError as e:
                status, data, hdrs = e.code, e.read(), e.headers
            self.send_response(status)
            for k, v in hdrs.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            self.forward("POST")

        def do_GET(self):
            self.forward("GET")

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


SEED = r'''
import json, sys, boto3, urllib.request
E, mode, n, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
urllib.request.urlopen(urllib.request.Request(E + "/moto-api/reset", method="POST")).read()
KW = dict(endpoint_url=E, aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
def doc(actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
def fill(iam, count, tag):
    pols = [iam.create_policy(PolicyName=f"{tag}-p{i}", PolicyDocument=doc(["ec2:Describe*", "s3:Get*", f"sqs:SendMessage"]))["Policy"]["Arn"] for i in range(max(1, count // 50))]
    for g in range(max(1, count // 100)):
        iam.create_group(GroupName=f"{tag}-g{g}")
        iam.attach_group_policy(GroupName=f"{tag}-g{g}", PolicyArn=pols[g % len(pols)])
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    for i in range(count):
        if i % 5 < 3:
            u = f"{tag}-u{i}"
            iam.create_user(UserName=u)
            iam.add_user_to_group(GroupName=f"{tag}-g{i % max(1, count // 100)}", UserName=u)
            iam.put_user_policy(UserName=u, PolicyName="inline", PolicyDocument=doc(["iam:Get*"]))
        else:
            r = f"{tag}-r{i}"
            iam.create_role(RoleName=r, AssumeRolePolicyDocument=trust)
            iam.attach_role_policy(RoleName=r, PolicyArn=pols[i % len(pols)])
if mode == "account":
    fill(boto3.client("iam", **KW), n, "a")
else:
    org = boto3.client("organizations", **KW)
    org.create_organization(FeatureSet="ALL")
    fill(boto3.client("iam", **KW), per, "m")
    for a in range(n - 1):
        acct = org.create_account(AccountName=f"acct{a}", Email=f"a{a}@example.com")["CreateAccountStatus"]["AccountId"]
        c = boto3.client("sts", **KW).assume_role(RoleArn=f"arn:aws:iam::{acct}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
        iam = boto3.client("iam", endpoint_url=E, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], region_name="us-east-1")
        fill(iam, per, f"x{a}")
'''


def run(exe, endpoint, args, out):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true")
    CALLS.clear()
    t0 = time.perf_counter()
    p = subprocess.run([exe, "--quiet", "collect", "aws", *args, "--output", out], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 3):
        sys.exit(p.stderr)
    return wall, dict(CALLS), os.path.getsize(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--identities", type=int, default=1000)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--per-account", type=int, default=50)
    a = ap.parse_args()
    if not os.path.exists(VENV_PY):
        sys.exit("run `bash scripts/test.sh` once: it installs the pinned moto into .venv")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "permgap")
    port = free_port()
    moto = subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        upstream = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(upstream + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        front = proxy(upstream)
        out = os.path.join(ROOT, "bench-data", "collect.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        print(f"{os.cpu_count()} cores; moto behind a counting proxy on loopback")
        for mode, n, per, args in [("account", a.identities, 0, []), ("org", a.accounts, a.per_account, ["--org"])]:
            t0 = time.perf_counter()
            subprocess.run([VENV_PY, "-c", SEED, upstream, mode, str(n), str(per)], check=True)
            seeded = time.perf_counter() - t0
            wall, calls, size = run(exe, front, args, out)
            what = f"1 account, {n} identities" if mode == "account" else f"{n} accounts x {per} identities"
            print(f"{what}: collect {wall:.2f} s, {sum(calls.values())} API calls {dict(sorted(calls.items()))}, "
                  f"snapshot {size / 1e6:.1f} MB (seeding took {seeded:.0f} s)")
    finally:
        moto.kill()


if __name__ == "__main__":
    main()
