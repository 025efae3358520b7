#!/usr/bin/env python3
"""Benchmark live collection against moto: API calls and wall time.

    python3 scripts/bench_collect.py [--identities 1000] [--accounts 20] [--per-account 50] [--events 2000]

Uses the project's pinned moto (.venv, installed by scripts/test.sh), starts
it on a free loopback port behind the recording proxy of the tests
(tests/stubs/aws_proxy.py, which counts calls by IAM action), with the
LookupEvents and Access Advisor stubs of the tests routed in, and seeds
  1. one account with --identities users and roles (groups, inline and
     managed policies), and runs `permgap collect aws` on it: alone, with
     --access-advisor, and with --lookup-events over --events events;
  2. an organization of --accounts accounts with --per-account identities
     each, and runs `permgap collect aws --org`.
For each it prints the wall time, the number of API calls by operation, and
the snapshot's size. Nothing is asserted: the figures go in the README.
"""
import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(ROOT, ".venv", "bin", "python")
STUBS = os.path.join(ROOT, "tests", "stubs")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(script, *args):
    """Starts a stub of tests/stubs; it prints its port first."""
    p = subprocess.Popen([VENV_PY, os.path.join(STUBS, script), *args], stdout=subprocess.PIPE, text=True)
    return p, f"http://127.0.0.1:{p.stdout.readline().strip()}"


def get(url):
    return json.loads(urllib.request.urlopen(url).read())


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


def run(exe, endpoint, proxy, args, out):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true")
    before = get(proxy + "/__proxy/stats")["calls"]
    t0 = time.perf_counter()
    p = subprocess.run([exe, "--quiet", "collect", "aws", *args, "--output", out], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 3):
        sys.exit(p.stderr)
    after = get(proxy + "/__proxy/stats")["calls"]
    calls = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
    return wall, calls, os.path.getsize(out)


def records(n, account):
    """n management events of user a-u0, one a minute back from now."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    names = [("ec2.amazonaws.com", "DescribeInstances"), ("s3.amazonaws.com", "ListBuckets"),
             ("iam.amazonaws.com", "GetUser"), ("sqs.amazonaws.com", "ListQueues")]
    out = []
    for i in range(n):
        src, name = names[i % len(names)]
        t = now - dt.timedelta(minutes=i + 1)
        out.append({"eventVersion": "1.09", "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": src,
                    "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": account,
                    "eventType": "AwsApiCall", "managementEvent": True, "eventID": f"e{i}",
                    "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/a-u0",
                                     "accountId": account, "userName": "a-u0"}})
    return {"Records": out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--identities", type=int, default=1000)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--per-account", type=int, default=50)
    ap.add_argument("--events", type=int, default=2000)
    a = ap.parse_args()
    if not os.path.exists(VENV_PY):
        sys.exit("run `bash scripts/test.sh` once: it installs the pinned moto into .venv")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "permgap")
    data = os.path.join(ROOT, "bench-data", "collect")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "events.json"), "w") as f:
        json.dump(records(a.events, "123456789012"), f)
    with open(os.path.join(data, "advisor.json"), "w") as f:
        json.dump({}, f)
    port = free_port()
    procs = [subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        upstream = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(upstream + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        lookup, lookup_url = start("cloudtrail_lookup_stub.py", os.path.join(data, "events.json"))
        advisor, advisor_url = start("iam_access_advisor_stub.py", upstream, os.path.join(data, "advisor.json"))
        proxy, front = start("aws_proxy.py", upstream, "--route", f"cloudtrail={lookup_url}",
                             "--route", f"iam={advisor_url}")
        procs += [lookup, advisor, proxy]
        out = os.path.join(data, "collect.json")
        print(f"{os.cpu_count()} cores; moto and the stubs behind the recording proxy on loopback")
        runs = [("account", a.identities, 0, [[], ["--access-advisor"], ["--lookup-events"]]),
                ("org", a.accounts, a.per_account, [["--org"]])]
        for mode, n, per, variants in runs:
            t0 = time.perf_counter()
            subprocess.run([VENV_PY, "-c", SEED, upstream, mode, str(n), str(per)], check=True)
            seeded = time.perf_counter() - t0
            what = f"1 account, {n} identities" if mode == "account" else f"{n} accounts x {per} identities"
            for args in variants:
                wall, calls, size = run(exe, front, front, args, out)
                print(f"{what} {' '.join(args)}: collect {wall:.2f} s, {sum(calls.values())} API calls "
                      f"{dict(sorted(calls.items()))}, snapshot {size / 1e6:.1f} MB (seeding took {seeded:.0f} s)",
                      flush=True)
    finally:
        for p in procs:
            p.kill()


if __name__ == "__main__":
    main()
