#!/usr/bin/env python3
"""Generate a large synthetic AWS account for benchmarking permgap.

    python3 scripts/gen_bench_aws.py --identities 5000 --events 1000000 --out DIR [--seed 1]

Writes, deterministically (random.Random(seed); same bytes on every run):
  DIR/authorization-details.json  as `aws iam get-account-authorization-details
                                  --output json` prints it (documents decoded)
  DIR/cloudtrail/AWSLogs/123456789012/CloudTrail/<region>/YYYY/MM/DD/*.json.gz
                                  gzipped {"Records":[...]}, 1,000-2,000 records a
                                  file, --events records over the 90 days ending
                                  2026-11-01T00:00:00Z, us-east-1 and eu-west-1
  DIR/credential-report.csv       as `aws iam get-credential-report` decodes it
                                  (written last: its access-key "last used"
                                  columns come from the generated events)

Shape: ~60% of identities are IAM users in ~50 groups, ~40% roles; ~200
customer managed policies of 5-40 real IAM actions (some wildcards) plus
AdministratorAccess (~2% of identities), ReadOnlyAccess and PowerUserAccess.
Events: ~45% IAM users, ~47% assumed-role sessions, ~5% AWS services, ~3%
AccessDenied / Client.UnauthorizedOperation errors. Identities and actions
are picked Zipf-like (a few busy, many quiet); ~10% of identities have no
events; each identity calls only part of what its policies grant. Object /
item / invoke / message calls (s3:GetObject, dynamodb:GetItem,
lambda:InvokeFunction, sqs:SendMessage, ...) are written as CloudTrail data
events (managementEvent false, eventCategory "Data", with "resources"), as
CloudTrail logs them; everything else is a management event.

Streams: each log file is built, gzipped (mtime 0) and written before the
next is started. Python 3.11 standard library only.
"""
import argparse
import bisect
import csv
import datetime as dt
import gzip
import io
import json
import os
import random
import re
import shutil
import sys
import time

ACCOUNT = "123456789012"
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
DAYS = 90
WINDOW_START = AS_OF - dt.timedelta(days=DAYS)
REGIONS = ["us-east-1", "eu-west-1"]
REGION_SHARE = [0.62, 0.38]
CREATE_DATE = "2024-01-01T00:00:00Z"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
GZIP_LEVEL = 6

# --------------------------------------------------------------- action pool
# (IAM action, eventSource host, [eventNames as CloudTrail logs them], readOnly, data event)
# eventName -> action follows permgap's catalog (src/clouds/aws/catalog/event_names.tsv):
# ListBuckets -> s3:ListAllMyBuckets, ListObjects/HeadBucket -> s3:ListBucket,
# HeadObject -> s3:GetObject, Invoke -> lambda:InvokeFunction, Lambda's dated names.
R, W = True, False
POOL = [
    ("ec2:DescribeInstances", "ec2", ["DescribeInstances"], R, False),
    ("ec2:DescribeInstanceStatus", "ec2", ["DescribeInstanceStatus"], R, False),
    ("ec2:DescribeVolumes", "ec2", ["DescribeVolumes"], R, False),
    ("ec2:DescribeSecurityGroups", "ec2", ["DescribeSecurityGroups"], R, False),
    ("ec2:DescribeSubnets", "ec2", ["DescribeSubnets"], R, False),
    ("ec2:DescribeVpcs", "ec2", ["DescribeVpcs"], R, False),
    ("ec2:DescribeImages", "ec2", ["DescribeImages"], R, False),
    ("ec2:DescribeSnapshots", "ec2", ["DescribeSnapshots"], R, False),
    ("ec2:DescribeRegions", "ec2", ["DescribeRegions"], R, False),
    ("ec2:DescribeAvailabilityZones", "ec2", ["DescribeAvailabilityZones"], R, False),
    ("ec2:DescribeNetworkInterfaces", "ec2", ["DescribeNetworkInterfaces"], R, False),
    ("ec2:DescribeTags", "ec2", ["DescribeTags"], R, False),
    ("ec2:RunInstances", "ec2", ["RunInstances"], W, False),
    ("ec2:StartInstances", "ec2", ["StartInstances"], W, False),
    ("ec2:StopInstances", "ec2", ["StopInstances"], W, False),
    ("ec2:TerminateInstances", "ec2", ["TerminateInstances"], W, False),
    ("ec2:CreateTags", "ec2", ["CreateTags"], W, False),
    ("ec2:CreateSnapshot", "ec2", ["CreateSnapshot"], W, False),
    ("ec2:AuthorizeSecurityGroupIngress", "ec2", ["AuthorizeSecurityGroupIngress"], W, False),
    ("s3:ListAllMyBuckets", "s3", ["ListBuckets"], R, False),
    ("s3:GetBucketAcl", "s3", ["GetBucketAcl"], R, False),
    ("s3:GetBucketLocation", "s3", ["GetBucketLocation"], R, False),
    ("s3:GetBucketPolicy", "s3", ["GetBucketPolicy"], R, False),
    ("s3:GetBucketTagging", "s3", ["GetBucketTagging"], R, False),
    ("s3:GetBucketVersioning", "s3", ["GetBucketVersioning"], R, False),
    ("s3:GetEncryptionConfiguration", "s3", ["GetBucketEncryption"], R, False),
    ("s3:ListBucket", "s3", ["ListObjects", "ListObjectsV2", "HeadBucket"], R, True),
    ("s3:GetObject", "s3", ["GetObject", "HeadObject"], R, True),
    ("s3:PutObject", "s3", ["PutObject"], W, True),
    ("s3:DeleteObject", "s3", ["DeleteObject"], W, True),
    ("s3:CreateBucket", "s3", ["CreateBucket"], W, False),
    ("s3:PutBucketPolicy", "s3", ["PutBucketPolicy"], W, False),
    ("dynamodb:DescribeTable", "dynamodb", ["DescribeTable"], R, False),
    ("dynamodb:ListTables", "dynamodb", ["ListTables"], R, False),
    ("dynamodb:DescribeContinuousBackups", "dynamodb", ["DescribeContinuousBackups"], R, False),
    ("dynamodb:GetItem", "dynamodb", ["GetItem"], R, True),
    ("dynamodb:Query", "dynamodb", ["Query"], R, True),
    ("dynamodb:Scan", "dynamodb", ["Scan"], R, True),
    ("dynamodb:PutItem", "dynamodb", ["PutItem"], W, True),
    ("dynamodb:UpdateItem", "dynamodb", ["UpdateItem"], W, True),
    ("dynamodb:CreateTable", "dynamodb", ["CreateTable"], W, False),
    ("lambda:ListFunctions", "lambda", ["ListFunctions20150331"], R, False),
    ("lambda:GetFunction", "lambda", ["GetFunction20150331v2"], R, False),
    ("lambda:GetPolicy", "lambda", ["GetPolicy20150331v2"], R, False),
    ("lambda:ListEventSourceMappings", "lambda", ["ListEventSourceMappings20150331"], R, False),
    ("lambda:InvokeFunction", "lambda", ["Invoke"], W, True),
    ("lambda:UpdateFunctionCode", "lambda", ["UpdateFunctionCode20150331v2"], W, False),
    ("lambda:CreateFunction", "lambda", ["CreateFunction20150331"], W, False),
    ("iam:GetRole", "iam", ["GetRole"], R, False),
    ("iam:ListRoles", "iam", ["ListRoles"], R, False),
    ("iam:GetUser", "iam", ["GetUser"], R, False),
    ("iam:ListUsers", "iam", ["ListUsers"], R, False),
    ("iam:ListPolicies", "iam", ["ListPolicies"], R, False),
    ("iam:GetPolicy", "iam", ["GetPolicy"], R, False),
    ("iam:GetPolicyVersion", "iam", ["GetPolicyVersion"], R, False),
    ("iam:ListAttachedRolePolicies", "iam", ["ListAttachedRolePolicies"], R, False),
    ("iam:ListAccessKeys", "iam", ["ListAccessKeys"], R, False),
    ("iam:GetAccountSummary", "iam", ["GetAccountSummary"], R, False),
    ("iam:CreateRole", "iam", ["CreateRole"], W, False),
    ("iam:AttachRolePolicy", "iam", ["AttachRolePolicy"], W, False),
    ("iam:CreateAccessKey", "iam", ["CreateAccessKey"], W, False),
    ("sts:AssumeRole", "sts", ["AssumeRole"], R, False),
    ("cloudwatch:PutMetricData", "monitoring", ["PutMetricData"], W, False),
    ("cloudwatch:GetMetricData", "monitoring", ["GetMetricData"], R, False),
    ("cloudwatch:GetMetricStatistics", "monitoring", ["GetMetricStatistics"], R, False),
    ("cloudwatch:DescribeAlarms", "monitoring", ["DescribeAlarms"], R, False),
    ("cloudwatch:ListMetrics", "monitoring", ["ListMetrics"], R, False),
    ("cloudwatch:PutMetricAlarm", "monitoring", ["PutMetricAlarm"], W, False),
    ("logs:CreateLogGroup", "logs", ["CreateLogGroup"], W, False),
    ("logs:CreateLogStream", "logs", ["CreateLogStream"], W, False),
    ("logs:DescribeLogGroups", "logs", ["DescribeLogGroups"], R, False),
    ("logs:DescribeLogStreams", "logs", ["DescribeLogStreams"], R, False),
    ("logs:FilterLogEvents", "logs", ["FilterLogEvents"], R, False),
    ("logs:GetLogEvents", "logs", ["GetLogEvents"], R, False),
    ("logs:PutRetentionPolicy", "logs", ["PutRetentionPolicy"], W, False),
    ("kms:Decrypt", "kms", ["Decrypt"], R, False),
    ("kms:Encrypt", "kms", ["Encrypt"], R, False),
    ("kms:GenerateDataKey", "kms", ["GenerateDataKey"], R, False),
    ("kms:DescribeKey", "kms", ["DescribeKey"], R, False),
    ("kms:ListKeys", "kms", ["ListKeys"], R, False),
    ("kms:ListAliases", "kms", ["ListAliases"], R, False),
    ("sqs:SendMessage", "sqs", ["SendMessage"], W, True),
    ("sqs:ReceiveMessage", "sqs", ["ReceiveMessage"], R, True),
    ("sqs:DeleteMessage", "sqs", ["DeleteMessage"], W, True),
    ("sqs:GetQueueAttributes", "sqs", ["GetQueueAttributes"], R, False),
    ("sqs:GetQueueUrl", "sqs", ["GetQueueUrl"], R, False),
    ("sqs:ListQueues", "sqs", ["ListQueues"], R, False),
    ("sqs:CreateQueue", "sqs", ["CreateQueue"], W, False),
    ("sns:Publish", "sns", ["Publish"], W, False),
    ("sns:ListTopics", "sns", ["ListTopics"], R, False),
    ("sns:GetTopicAttributes", "sns", ["GetTopicAttributes"], R, False),
    ("sns:Subscribe", "sns", ["Subscribe"], W, False),
    ("ssm:GetParameter", "ssm", ["GetParameter"], R, False),
    ("ssm:GetParameters", "ssm", ["GetParameters"], R, False),
    ("ssm:GetParametersByPath", "ssm", ["GetParametersByPath"], R, False),
    ("ssm:DescribeParameters", "ssm", ["DescribeParameters"], R, False),
    ("ssm:PutParameter", "ssm", ["PutParameter"], W, False),
    ("secretsmanager:GetSecretValue", "secretsmanager", ["GetSecretValue"], R, False),
    ("secretsmanager:DescribeSecret", "secretsmanager", ["DescribeSecret"], R, False),
    ("secretsmanager:ListSecrets", "secretsmanager", ["ListSecrets"], R, False),
    ("ecr:GetAuthorizationToken", "ecr", ["GetAuthorizationToken"], R, False),
    ("ecr:BatchGetImage", "ecr", ["BatchGetImage"], R, False),
    ("ecr:DescribeRepositories", "ecr", ["DescribeRepositories"], R, False),
    ("ecr:DescribeImages", "ecr", ["DescribeImages"], R, False),
    ("ecs:ListClusters", "ecs", ["ListClusters"], R, False),
    ("ecs:DescribeClusters", "ecs", ["DescribeClusters"], R, False),
    ("ecs:DescribeServices", "ecs", ["DescribeServices"], R, False),
    ("ecs:UpdateService", "ecs", ["UpdateService"], W, False),
    ("ecs:RunTask", "ecs", ["RunTask"], W, False),
    ("cloudformation:DescribeStacks", "cloudformation", ["DescribeStacks"], R, False),
    ("cloudformation:ListStacks", "cloudformation", ["ListStacks"], R, False),
    ("cloudformation:DescribeStackEvents", "cloudformation", ["DescribeStackEvents"], R, False),
    ("cloudformation:CreateStack", "cloudformation", ["CreateStack"], W, False),
    ("cloudformation:UpdateStack", "cloudformation", ["UpdateStack"], W, False),
    ("rds:DescribeDBInstances", "rds", ["DescribeDBInstances"], R, False),
    ("rds:DescribeDBClusters", "rds", ["DescribeDBClusters"], R, False),
    ("rds:CreateDBSnapshot", "rds", ["CreateDBSnapshot"], W, False),
    ("autoscaling:DescribeAutoScalingGroups", "autoscaling", ["DescribeAutoScalingGroups"], R, False),
    ("autoscaling:UpdateAutoScalingGroup", "autoscaling", ["UpdateAutoScalingGroup"], W, False),
    ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing", ["DescribeLoadBalancers"], R, False),
    ("elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing", ["DescribeTargetGroups"], R, False),
    ("elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing", ["DescribeTargetHealth"], R, False),
    ("route53:ListHostedZones", "route53", ["ListHostedZones"], R, False),
    ("route53:ChangeResourceRecordSets", "route53", ["ChangeResourceRecordSets"], W, False),
    ("events:PutEvents", "events", ["PutEvents"], W, False),
    ("events:ListRules", "events", ["ListRules"], R, False),
    ("states:StartExecution", "states", ["StartExecution"], W, False),
    ("states:DescribeExecution", "states", ["DescribeExecution"], R, False),
    ("states:ListStateMachines", "states", ["ListStateMachines"], R, False),
    ("athena:StartQueryExecution", "athena", ["StartQueryExecution"], W, False),
    ("athena:GetQueryExecution", "athena", ["GetQueryExecution"], R, False),
    ("athena:GetQueryResults", "athena", ["GetQueryResults"], R, False),
    ("glue:GetTable", "glue", ["GetTable"], R, False),
    ("glue:GetDatabase", "glue", ["GetDatabase"], R, False),
    ("glue:GetPartitions", "glue", ["GetPartitions"], R, False),
]
GLOBAL_SOURCES = {"iam", "route53"}  # logged in us-east-1 only
WILDCARDS = ["ec2:Describe*", "s3:Get*", "s3:List*", "cloudwatch:*", "logs:*", "dynamodb:Describe*",
             "dynamodb:*", "sqs:*", "kms:Describe*", "kms:List*", "iam:Get*", "iam:List*", "ssm:Get*",
             "lambda:List*", "lambda:Get*", "ecs:Describe*", "cloudformation:Describe*", "rds:Describe*",
             "elasticloadbalancing:Describe*", "sns:*", "ecr:*", "glue:Get*", "athena:*", "states:*"]

TEAMS = ["payments", "checkout", "search", "platform", "data", "ml", "identity", "mobile", "web", "billing",
         "catalog", "infra", "security", "analytics", "growth", "ledger", "shipping", "notify", "support", "risk"]
PURPOSES = ["read", "deploy", "ops", "ci", "etl", "runtime", "debug", "oncall", "batch", "api"]
FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
         "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara", "zoe", "omar", "li", "priya"]
LAST = ["smith", "jones", "garcia", "chen", "kumar", "nguyen", "muller", "rossi", "silva", "kim", "novak",
        "dubois", "ito", "okafor", "larsen", "haddad", "costa", "walsh", "fischer", "moreau"]
ROLE_SERVICES = ["lambda.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com",
                 "states.amazonaws.com", "glue.amazonaws.com"]
USER_AGENTS = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/5.10.213-201.855.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off",
    "aws-cli/2.17.4 Python/3.11.9 Darwin/23.5.0 exe/x86_64 prompt/off",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 "
    "lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 m/E",
    "aws-sdk-java/2.25.11 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+8-LTS "
    "Java/17.0.10 vendor/Amazon.com_Inc. md/internal io/sync http/Apache cfg/retry-mode/legacy",
    "aws-sdk-js/3.552.0 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 lang/js md/nodejs#20.12.1 exec-env/AWS_Lambda_nodejs20.x",
    "APN/1.0 HashiCorp/1.0 Terraform/1.8.2 (+https://www.terraform.io) terraform-provider-aws/5.46.0 "
    "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2",
    "console.amazonaws.com",
]
TLS = [("TLSv1.3", "TLS_AES_128_GCM_SHA256"), ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
       ("TLSv1.3", "TLS_AES_256_GCM_SHA384")]
SERVICE_EVENTS = [  # (invokedBy, eventSource, eventName, readOnly)
    ("lambda.amazonaws.com", "sts", "AssumeRole", True),
    ("ecs-tasks.amazonaws.com", "sts", "AssumeRole", True),
    ("ec2.amazonaws.com", "sts", "AssumeRole", True),
    ("s3.amazonaws.com", "kms", "Decrypt", True),
    ("s3.amazonaws.com", "kms", "GenerateDataKey", True),
    ("secretsmanager.amazonaws.com", "kms", "Decrypt", True),
    ("autoscaling.amazonaws.com", "ec2", "RunInstances", False),
    ("cloudformation.amazonaws.com", "iam", "GetRole", True),
]


def host(src):
    return src + ".amazonaws.com"


# ------------------------------------------------------------------ helpers

def rid(rng, prefix, n, alphabet=UPPER):
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def glob_re(pattern):
    return re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$", re.I)


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def zipf_cum(n, s, rng=None):
    """Cumulative Zipf weights over ranks 1..n."""
    cum, t = [], 0.0
    for k in range(1, n + 1):
        t += 1.0 / k ** s
        cum.append(t)
    return cum


def pick(rng, cum):
    return bisect.bisect_left(cum, rng.random() * cum[-1])


def granted(document, pool_names):
    """Pool actions an Allow-only policy document grants (resources ignored)."""
    out = set()
    for st in document["Statement"]:
        if st.get("Effect") != "Allow":
            continue
        if "Action" in st:
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            res = [glob_re(a) for a in acts]
            out.update(n for n in pool_names if any(r.match(n) for r in res))
        elif "NotAction" in st:
            acts = st["NotAction"] if isinstance(st["NotAction"], list) else [st["NotAction"]]
            res = [glob_re(a) for a in acts]
            out.update(n for n in pool_names if not any(r.match(n) for r in res))
    return out


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_report(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


# ------------------------------------------------------------------ IAM model

def build_iam(rng, n_ident):
    pool_names = [a[0] for a in POOL]
    by_service = {}
    for a in pool_names:
        by_service.setdefault(a.split(":")[0], []).append(a)
    services = sorted(by_service)

    # --- customer managed policies
    policies = []  # dicts: name, arn, doc, grants
    n_pol = 200
    for i in range(n_pol):
        team = TEAMS[i % len(TEAMS)]
        k = rng.randint(5, 40)
        svcs = rng.sample(services, rng.randint(2, min(7, len(services))))
        cand = [a for s in svcs for a in by_service[s]]
        if len(cand) < k:
            cand = pool_names
        acts = sorted(rng.sample(cand, min(k, len(cand))))
        if rng.random() < 0.35:  # swap a few concrete actions for wildcards
            for w in rng.sample(WILDCARDS, rng.randint(1, 3)):
                acts.append(w)
            acts = sorted(set(acts))
        stmts, groups = [], {}
        for a in acts:
            groups.setdefault(a.split(":")[0], []).append(a)
        for j, (svc, al) in enumerate(sorted(groups.items())):
            stmts.append({"Sid": f"{svc.replace('-', '').capitalize()}Access{j}", "Effect": "Allow",
                          "Action": al if len(al) > 1 else al[0], "Resource": "*"})
        name = f"{team}-{PURPOSES[(i // len(TEAMS)) % len(PURPOSES)]}-policy-{i:03d}"
        d = doc(*stmts)
        policies.append({"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}", "doc": d,
                         "id": rid(rng, "ANPA", 17), "grants": granted(d, pool_names), "count": 0,
                         "aws": False})
    aws_docs = {
        "AdministratorAccess": doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        "ReadOnlyAccess": doc({"Effect": "Allow", "Action": ["*:Describe*", "*:Get*", "*:List*"], "Resource": "*"}),
        "PowerUserAccess": doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
                                "Resource": "*"},
                               {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole",
                                                              "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                                                              "organizations:DescribeOrganization",
                                                              "account:ListRegions"], "Resource": "*"}),
    }
    aws = {}
    for name, d in aws_docs.items():
        aws[name] = {"name": name, "arn": f"arn:aws:iam::aws:policy/{name}", "doc": d,
                     "id": rid(rng, "ANPA", 17), "grants": granted(d, pool_names), "count": 0, "aws": True}

    # --- groups
    groups = []
    for i in range(50):
        team = TEAMS[i % len(TEAMS)]
        kind = ["developers", "operators", "readers", "oncall", "analysts"][i // len(TEAMS) % 5]
        name = f"{team}-{kind}" if i < 100 else f"group-{i}"
        if any(g["name"] == name for g in groups):
            name = f"{name}-{i}"
        team_pols = [p for p in policies if p["name"].startswith(team + "-")]
        att = rng.sample(team_pols, min(len(team_pols), rng.randint(1, 3)))
        if i == 7:
            att = [aws["ReadOnlyAccess"]]
        for p in att:
            p["count"] += 1
        groups.append({"name": name, "id": rid(rng, "AGPA", 17), "att": att, "team": team, "members": 0})

    def inline(owner, team):
        acts = sorted(rng.sample(pool_names, rng.randint(2, 8)))
        res = "*"
        if rng.random() < 0.5:
            res = [f"arn:aws:s3:::{team}-{owner}-bucket", f"arn:aws:s3:::{team}-{owner}-bucket/*"] \
                if any(a.startswith("s3:") for a in acts) else "*"
        return {"PolicyName": f"{owner}-inline", "PolicyDocument": doc({"Effect": "Allow", "Action": acts,
                                                                        "Resource": res})}

    n_users = round(n_ident * 0.6)
    n_roles = n_ident - n_users
    idents = []
    for i in range(n_users):
        team = TEAMS[rng.randrange(len(TEAMS))]
        name = f"{FIRST[i % len(FIRST)]}.{LAST[(i // len(FIRST)) % len(LAST)]}{i:05d}"
        r = rng.random()
        ng = 0 if r < 0.08 else 1 if r < 0.7 else 2 if r < 0.95 else 3
        gl = rng.sample(groups, ng)
        for g in gl:
            g["members"] += 1
        att = []
        if ng == 0 or rng.random() < 0.15:
            att.append(rng.choice(policies))
        if rng.random() < 0.02:
            att.append(aws["AdministratorAccess"])
        for p in att:
            p["count"] += 1
        inl = [inline(name, team)] if rng.random() < 0.10 else []
        g_set = set()
        for p in att:
            g_set |= p["grants"]
        for g in gl:
            for p in g["att"]:
                g_set |= p["grants"]
        for ip in inl:
            g_set |= granted(ip["PolicyDocument"], pool_names)
        idents.append({"kind": "user", "name": name, "id": rid(rng, "AIDA", 17),
                       "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "groups": gl, "att": att, "inline": inl,
                       "grants": g_set, "key": rid(rng, "AKIA", 16), "team": team})
    for i in range(n_roles):
        team = TEAMS[rng.randrange(len(TEAMS))]
        svc = rng.choice(ROLE_SERVICES)
        kind = svc.split(".")[0].replace("-tasks", "")
        name = f"{team}-{PURPOSES[rng.randrange(len(PURPOSES))]}-{kind}-role-{i:04d}"
        att = rng.sample(policies, rng.randint(1, 3))
        r = rng.random()
        if r < 0.02:
            att.append(aws["AdministratorAccess"])
        elif r < 0.05:
            att.append(aws["PowerUserAccess"])
        for p in att:
            p["count"] += 1
        inl = [inline(name, team)] if rng.random() < 0.3 else []
        g_set = set()
        for p in att:
            g_set |= p["grants"]
        for ip in inl:
            g_set |= granted(ip["PolicyDocument"], pool_names)
        idents.append({"kind": "role", "name": name, "id": rid(rng, "AROA", 17),
                       "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "att": att, "inline": inl,
                       "grants": g_set, "trust": svc, "team": team,
                       "sessions": [(s, rid(rng, "ASIA", 16)) for s in session_names(rng, name, svc)]})
    return policies, aws, groups, idents


def session_names(rng, role, svc):
    if svc.startswith("lambda"):
        return [role.replace("-role", "-fn")[:64]]
    if svc.startswith("ec2"):
        return ["i-0" + "".join(rng.choice("0123456789abcdef") for _ in range(16)) for _ in range(rng.randint(1, 3))]
    if svc.startswith("ecs"):
        return ["".join(rng.choice("0123456789abcdef") for _ in range(32)) for _ in range(rng.randint(1, 3))]
    return [f"{role[:40]}-session-{k}" for k in range(rng.randint(1, 2))]


def write_auth(path, policies, aws, groups, idents):
    def att_list(ps):
        return [{"PolicyName": p["name"], "PolicyArn": p["arn"]} for p in ps]
    users, roles = [], []
    for x in idents:
        if x["kind"] == "user":
            users.append({"Path": "/", "UserName": x["name"], "UserId": x["id"], "Arn": x["arn"],
                          "CreateDate": CREATE_DATE, "GroupList": [g["name"] for g in x["groups"]],
                          "AttachedManagedPolicies": att_list(x["att"]), "UserPolicyList": x["inline"],
                          "Tags": []})
        else:
            roles.append({"Path": "/", "RoleName": x["name"], "RoleId": x["id"], "Arn": x["arn"],
                          "CreateDate": CREATE_DATE,
                          "AssumeRolePolicyDocument": doc({"Effect": "Allow", "Principal": {"Service": x["trust"]},
                                                           "Action": "sts:AssumeRole"}),
                          "InstanceProfileList": [], "RolePolicyList": x["inline"],
                          "AttachedManagedPolicies": att_list(x["att"]), "RoleLastUsed": {}})
    gl = [{"Path": "/", "GroupName": g["name"], "GroupId": g["id"], "Arn": f"arn:aws:iam::{ACCOUNT}:group/{g['name']}",
           "CreateDate": CREATE_DATE, "GroupPolicyList": [], "AttachedManagedPolicies": att_list(g["att"])}
          for g in groups]
    pl = []
    for p in list(aws.values()) + policies:
        pl.append({"PolicyName": p["name"], "PolicyId": p["id"], "Arn": p["arn"],
                   "Path": "/" if not p["aws"] else "/", "DefaultVersionId": "v1",
                   "AttachmentCount": p["count"], "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                   "CreateDate": CREATE_DATE, "UpdateDate": CREATE_DATE,
                   "PolicyVersionList": [{"Document": p["doc"], "VersionId": "v1", "IsDefaultVersion": True,
                                          "CreateDate": CREATE_DATE}]})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"UserDetailList": users, "GroupDetailList": gl, "RoleDetailList": roles, "Policies": pl},
                  f, indent=4)
        f.write("\n")


# ------------------------------------------------------------------ events

def params_for(rng, x, action, src, en, region):
    """(requestParameters variants, responseElements, resources or None) for one identity+action."""
    team = x["team"]
    bucket = f"{team}-{rng.choice(['artifacts', 'data', 'logs', 'assets', 'exports'])}-{ACCOUNT}"
    table = f"{team}-{rng.choice(['orders', 'sessions', 'events', 'users', 'jobs'])}"
    fn = f"{team}-{rng.choice(['handler', 'worker', 'api', 'cron', 'ingest'])}"
    queue = f"{team}-{rng.choice(['jobs', 'events', 'dlq', 'tasks'])}"
    qurl = f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{queue}"
    key_id = f"arn:aws:kms:{region}:{ACCOUNT}:key/" + "%08x-%04x-4%03x-a%03x-%012x" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48))
    inst = "i-0" + "%016x" % rng.getrandbits(64)
    res, resp = None, None
    hdr = f"{bucket}.s3.{region}.amazonaws.com"
    if src == "s3":
        if en in ("ListBuckets",):
            v = [{"Host": f"s3.{region}.amazonaws.com"}]
        elif en in ("GetObject", "HeadObject", "PutObject", "DeleteObject"):
            v = [{"bucketName": bucket, "Host": hdr, "key": f"{team}/{rng.choice(['in', 'out', 'tmp'])}/"
                  f"part-{k:05d}.parquet"} for k in range(rng.randint(1, 3))]
            res = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{v[0]['key']}"},
                   {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        elif en.startswith("ListObjects") or en == "HeadBucket":
            v = [{"bucketName": bucket, "Host": hdr, "prefix": f"{team}/", "list-type": "2", "max-keys": "1000"}]
            res = [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        else:
            v = [{"bucketName": bucket, "Host": hdr, en.replace("GetBucket", "").lower() or "acl": ""}]
    elif src == "ec2":
        if en == "DescribeInstances":
            v = [{"instancesSet": {}, "filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": team}]}}]}},
                 {"instancesSet": {"items": [{"instanceId": inst}]}, "filterSet": {}}]
        elif en in ("StartInstances", "StopInstances", "TerminateInstances"):
            v = [{"instancesSet": {"items": [{"instanceId": inst}]}}]
            resp = {"requestId": "00000000-0000-0000-0000-000000000000", "instancesSet": {"items": [
                {"instanceId": inst, "currentState": {"code": 64, "name": "stopping"},
                 "previousState": {"code": 16, "name": "running"}}]}}
        elif en == "RunInstances":
            v = [{"instancesSet": {"items": [{"imageId": "ami-0c02fb55956c7d316", "minCount": 1, "maxCount": 1}]},
                  "instanceType": "t3.medium", "blockDeviceMapping": {}, "monitoring": {"enabled": False},
                  "disableApiTermination": False, "clientToken": "%032x" % rng.getrandbits(128)}]
            resp = {"requestId": "00000000-0000-0000-0000-000000000000", "reservationId": "r-0%016x" % rng.getrandbits(64),
                    "ownerId": ACCOUNT, "instancesSet": {"items": [{"instanceId": inst, "imageId": "ami-0c02fb55956c7d316",
                                                                    "instanceState": {"code": 0, "name": "pending"}}]}}
        else:
            v = [{"maxResults": 1000, "filterSet": {}}, {"filterSet": {"items": [{"name": "vpc-id", "valueSet": {
                "items": [{"value": "vpc-0%016x" % rng.getrandbits(64)}]}}]}}]
    elif src == "dynamodb":
        tarn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"
        if en in ("GetItem", "PutItem", "UpdateItem"):
            v = [{"tableName": table, "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}}]
            res = [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": tarn}]
        elif en in ("Query", "Scan"):
            v = [{"tableName": table, "limit": 100, "select": "ALL_ATTRIBUTES"}]
            res = [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": tarn}]
        elif en == "ListTables":
            v = [{"limit": 100}]
        else:
            v = [{"tableName": table}]
    elif src == "lambda":
        farn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{fn}"
        if en == "Invoke":
            v = [{"functionName": farn, "invocationType": rng.choice(["RequestResponse", "Event"])}]
            res = [{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": farn}]
        elif en.startswith("List"):
            v = [None]
        else:
            v = [{"functionName": fn}]
    elif src == "iam":
        if en.startswith("List") or en == "GetAccountSummary":
            v = [None, {"maxItems": 100}]
        elif "Role" in en:
            v = [{"roleName": f"{team}-app-role"}]
            if en == "AttachRolePolicy":
                v[0]["policyArn"] = f"arn:aws:iam::{ACCOUNT}:policy/{team}-read-policy-000"
        elif "Policy" in en:
            v = [{"policyArn": f"arn:aws:iam::{ACCOUNT}:policy/{team}-read-policy-000"}]
            if en == "GetPolicyVersion":
                v[0]["versionId"] = "v1"
        else:
            v = [{"userName": x["name"]}] if x["kind"] == "user" else [None]
    elif src == "sts":
        v = [{"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{team}-deploy-role", "roleSessionName": f"{team}-{k}",
              "durationSeconds": 3600} for k in range(2)]
        resp = {"credentials": {"accessKeyId": rid(rng, "ASIA", 16), "sessionToken": "IQoJb3JpZ2luX2VjE" + rid(rng, "", 40, ALNUM),
                                "expiration": "Nov 1, 2026, 1:00:00 AM"},
                "assumedRoleUser": {"assumedRoleId": rid(rng, "AROA", 17) + f":{team}-0",
                                    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{team}-deploy-role/{team}-0"}}
    elif src == "monitoring":
        if en == "PutMetricData":
            v = [{"namespace": f"{team.capitalize()}/App", "metricData": [{"metricName": m, "unit": "Count"}
                                                                           for m in ("Requests", "Errors")]}]
        elif en == "PutMetricAlarm":
            v = [{"alarmName": f"{team}-high-errors", "metricName": "Errors", "namespace": f"{team.capitalize()}/App",
                  "statistic": "Sum", "period": 300, "threshold": 10.0, "comparisonOperator": "GreaterThanThreshold"}]
        else:
            v = [{"namespace": "AWS/EC2"}, {"maxRecords": 100}]
    elif src == "logs":
        grp = f"/aws/lambda/{fn}"
        if en == "CreateLogStream":
            v = [{"logGroupName": grp, "logStreamName": f"2026/10/01/[$LATEST]{k:032x}"} for k in range(3)]
        elif en in ("CreateLogGroup", "PutRetentionPolicy"):
            v = [{"logGroupName": grp}]
        elif en == "DescribeLogGroups":
            v = [{"logGroupNamePrefix": "/aws/lambda/"}]
        else:
            v = [{"logGroupName": grp, "limit": 50}]
    elif src == "kms":
        if en in ("Decrypt", "Encrypt", "GenerateDataKey"):
            v = [{"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": key_id,
                  "encryptionContext": {"aws:lambda:FunctionArn": f"arn:aws:lambda:{region}:{ACCOUNT}:function:{fn}"}}]
            res = [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key_id}]
        elif en == "DescribeKey":
            v = [{"keyId": key_id}]
        else:
            v = [None]
    elif src == "sqs":
        if en in ("SendMessage", "ReceiveMessage", "DeleteMessage"):
            v = [{"queueUrl": qurl}]
            res = [{"accountId": ACCOUNT, "type": "AWS::SQS::Queue", "ARN": f"arn:aws:sqs:{region}:{ACCOUNT}:{queue}"}]
        elif en == "GetQueueAttributes":
            v = [{"queueUrl": qurl, "attributeNames": ["All"]}]
        elif en == "CreateQueue":
            v = [{"queueName": queue}]
            resp = {"queueUrl": qurl}
        elif en == "GetQueueUrl":
            v = [{"queueName": queue}]
        else:
            v = [{"queueNamePrefix": team}]
    elif src == "ssm":
        if en == "GetParameter":
            v = [{"name": f"/{team}/{k}", "withDecryption": True} for k in ("db/url", "api/key", "feature/flags")]
        elif en == "GetParameters":
            v = [{"names": [f"/{team}/db/url", f"/{team}/db/user"], "withDecryption": True}]
        elif en == "GetParametersByPath":
            v = [{"path": f"/{team}/", "recursive": True, "withDecryption": True}]
        elif en == "PutParameter":
            v = [{"name": f"/{team}/feature/flags", "type": "String", "overwrite": True}]
            resp = {"version": 7, "tier": "Standard"}
        else:
            v = [{"maxResults": 50}]
    elif src == "sns":
        tarn = f"arn:aws:sns:{region}:{ACCOUNT}:{team}-alerts"
        v = [{"topicArn": tarn}] if en != "ListTopics" else [None]
        if en == "Publish":
            resp = {"messageId": "%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                                                  rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48))}
    elif src == "secretsmanager":
        v = [{"secretId": f"{team}/db-credentials"}] if en != "ListSecrets" else [{"maxResults": 100}]
    else:
        v = [{"maxResults": 100}, None]
    return v, resp, res


def fmt_uuid(b):
    h = "%032x" % b
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Actor:
    __slots__ = ("x", "uid", "acts", "cum", "ip", "ua", "denied", "denied_regional")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--identities", type=int, default=5000)
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t_start = time.perf_counter()
    rng = random.Random(a.seed)
    out = a.out
    os.makedirs(out, exist_ok=True)
    ct_root = os.path.join(out, "cloudtrail")
    if os.path.isdir(ct_root):
        shutil.rmtree(ct_root)

    policies, aws, groups, idents = build_iam(rng, max(2, a.identities))
    auth_path = os.path.join(out, "authorization-details.json")
    write_auth(auth_path, policies, aws, groups, idents)

    # ---- actors: ~10% silent, Zipf order randomised
    pool_by_name = {p[0]: p for p in POOL}
    pool_names = [p[0] for p in POOL]
    order = list(range(len(idents)))
    rng.shuffle(order)
    n_silent = round(len(idents) * 0.10)
    silent = set(order[:n_silent])
    users, roles = [], []
    for idx in order[n_silent:]:
        x = idents[idx]
        g = sorted(x["grants"])
        if not g:
            continue
        ac = Actor()
        ac.x = x
        # a used subset of what is granted; admins/power users use a small slice
        frac = rng.uniform(0.2, 0.7)
        k = max(1, min(len(g), round(len(g) * frac), rng.randint(6, 40)))
        used = rng.sample(g, k)
        regions_acts = []
        for act in used:
            name, src, ens, ro, data = pool_by_name[act]
            per_region = {}
            for region in REGIONS:
                v, resp, res = params_for(rng, x, act, src, ens[0], region)
                per_region[region] = [(en, params_for(rng, x, act, src, en, region)) if i else (en, (v, resp, res))
                                      for i, en in enumerate(ens)]
            regions_acts.append((act, src, ro, data, per_region))
        ac.acts = regions_acts
        ac.cum = zipf_cum(len(regions_acts), 1.2)
        ac.ip = [f"{rng.randint(3, 54)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                 for _ in range(rng.randint(1, 3))]
        ac.ua = rng.sample(USER_AGENTS[:-1] if x["kind"] == "role" else USER_AGENTS, 2)
        ac.denied = [p for p in pool_names if p not in x["grants"]]
        ac.denied_regional = [p for p in ac.denied if pool_by_name[p][1] not in GLOBAL_SOURCES]
        if x["kind"] == "user":
            ac.uid = {"type": "IAMUser", "principalId": x["id"], "arn": x["arn"], "accountId": ACCOUNT,
                      "accessKeyId": x["key"], "userName": x["name"]}
            users.append(ac)
        else:
            ac.uid = [({"type": "AssumedRole", "principalId": f"{x['id']}:{s}",
                        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{x['name']}/{s}", "accountId": ACCOUNT,
                        "accessKeyId": key}, s) for s, key in x["sessions"]]
            roles.append(ac)
    user_cum = zipf_cum(len(users), 1.0)
    role_cum = zipf_cum(len(roles), 1.0)
    deniable = [ac for ac in users + roles if ac.denied]
    deny_cum = zipf_cum(len(deniable), 0.8)
    role_arns = [x["arn"] for x in idents if x["kind"] == "role"]

    # ---- file plan: sizes 1000-2000 summing to --events
    total = a.events
    if total <= 0:
        sizes = []
    elif total < 1000:
        sizes = [total]
    else:
        nf = max(1, round(total / 1500))
        while total / nf > 2000:
            nf += 1
        while nf > 1 and total / nf < 1000:
            nf -= 1
        base, rem = divmod(total, nf)
        sizes = [base + (1 if i < rem else 0) for i in range(nf)]
        for i in range(0, nf - 1, 2):
            d = rng.randint(-400, 400)
            d = max(d, 1000 - sizes[i], sizes[i + 1] - 2000)
            d = min(d, 2000 - sizes[i], sizes[i + 1] - 1000)
            sizes[i] += d
            sizes[i + 1] -= d
    plan = {r: [] for r in REGIONS}
    for s in sizes:
        plan[REGIONS[0] if rng.random() < REGION_SHARE[0] else REGIONS[1]].append(s)

    t0 = int(WINDOW_START.timestamp())
    span_total = DAYS * 86400
    ts_cache = {}

    def ts(sec):
        s = ts_cache.get(sec)
        if s is None:
            s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))
            if len(ts_cache) > 200000:
                ts_cache.clear()
            ts_cache[sec] = s
        return s

    last_used = {}  # user name -> (sec, region, service)
    n_files = n_events = raw_bytes = gz_bytes = 0
    rrand = rng.random
    rbits = rng.getrandbits
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for region in REGIONS:
        files = plan[region]
        if not files:
            continue
        slot = span_total / len(files)
        base_dir = os.path.join(ct_root, "AWSLogs", ACCOUNT, "CloudTrail", region)
        tls_cache = {}
        for fi, n in enumerate(files):
            lo = t0 + int(fi * slot)
            hi = t0 + int((fi + 1) * slot)
            times = sorted(lo + int(rrand() * (hi - lo)) for _ in range(n))
            recs = []
            for sec in times:
                et = ts(sec)
                r = rrand()
                err = None
                if r < 0.05:  # AWS service
                    inv, src, en, ro = SERVICE_EVENTS[int(rrand() * len(SERVICE_EVENTS))]
                    if src in GLOBAL_SOURCES and region != "us-east-1":
                        src, en, ro = "kms", "Decrypt", True
                    rp = {"roleArn": role_arns[int(rrand() * len(role_arns))] if role_arns else None,
                          "roleSessionName": "%016x" % rbits(64)} if en == "AssumeRole" else \
                        {"keyId": f"arn:aws:kms:{region}:{ACCOUNT}:alias/aws/s3", "encryptionAlgorithm": "SYMMETRIC_DEFAULT"} \
                        if src == "kms" else {"roleName": "stack-role"} if src == "iam" else \
                        {"instancesSet": {"items": [{"imageId": "ami-0c02fb55956c7d316", "minCount": 1, "maxCount": 1}]},
                         "instanceType": "t3.medium"}
                    rec = {"eventVersion": "1.09", "userIdentity": {"type": "AWSService", "invokedBy": inv},
                           "eventTime": et, "eventSource": host(src), "eventName": en, "awsRegion": region,
                           "sourceIPAddress": inv, "userAgent": inv, "requestParameters": rp,
                           "responseElements": None, "requestID": fmt_uuid(rbits(128)),
                           "eventID": fmt_uuid(rbits(128)), "readOnly": ro, "eventType": "AwsApiCall",
                           "managementEvent": True, "recipientAccountId": ACCOUNT,
                           "sharedEventID": fmt_uuid(rbits(128)), "eventCategory": "Management"}
                    recs.append(rec)
                    continue
                if r < 0.08 and deniable:  # error: an action the identity is not granted
                    ac = deniable[pick(rng, deny_cum)]
                    cand = ac.denied if region == "us-east-1" else ac.denied_regional
                    if cand:
                        err = cand[int(rrand() * len(cand))]
                        name, src, ens, ro, data = pool_by_name[err]
                        en = ens[0]
                        rp = {"maxResults": 100} if ro else None
                        resp = res = None
                elif r < 0.53 and users or not roles:
                    ac = users[pick(rng, user_cum)]
                else:
                    ac = roles[pick(rng, role_cum)]
                x = ac.x
                if err is None:
                    j = pick(rng, ac.cum)
                    act, src, ro, data, per_region = ac.acts[j]
                    if src in GLOBAL_SOURCES and region != "us-east-1":
                        for j2 in range(len(ac.acts)):
                            if ac.acts[j2][1] not in GLOBAL_SOURCES:
                                act, src, ro, data, per_region = ac.acts[j2]
                                break
                    if src in GLOBAL_SOURCES and region != "us-east-1":
                        # only global (IAM/Route 53) actions granted: log a no-permission call here instead
                        act, src, ro, data = "sts:GetCallerIdentity", "sts", True, False
                        en, rp, resp, res = "GetCallerIdentity", None, None, None
                    else:
                        variants = per_region[region]
                        en, (vs, resp, res) = variants[int(rrand() * len(variants))]
                        rp = vs[int(rrand() * len(vs))]
                if x["kind"] == "user":
                    ui = ac.uid
                    lu = last_used.get(x["name"])
                    if lu is None or lu[0] <= sec:
                        last_used[x["name"]] = (sec, region, src)
                    who = x["arn"]
                else:
                    base, sname = ac.uid[int(rrand() * len(ac.uid))]
                    ui = dict(base)
                    ui["sessionContext"] = {
                        "sessionIssuer": {"type": "Role", "principalId": x["id"], "arn": x["arn"],
                                          "accountId": ACCOUNT, "userName": x["name"]},
                        "attributes": {"creationDate": ts(sec - sec % 3600), "mfaAuthenticated": "false"}}
                    who = base["arn"]
                hh = tls_cache.get(src)
                if hh is None:
                    hh = (f"{src}.amazonaws.com" if src in GLOBAL_SOURCES or src == "sts" and region == "us-east-1"
                          else f"{src}.{region}.amazonaws.com")
                    tls_cache[src] = hh
                tv, cs = TLS[sec % 3]
                rec = {"eventVersion": "1.09", "userIdentity": ui, "eventTime": et, "eventSource": host(src),
                       "eventName": en, "awsRegion": "us-east-1" if src in GLOBAL_SOURCES else region,
                       "sourceIPAddress": ac.ip[sec % len(ac.ip)], "userAgent": ac.ua[(sec >> 4) & 1]}
                if err is not None:
                    if src == "ec2":
                        rec["errorCode"] = "Client.UnauthorizedOperation"
                        rec["errorMessage"] = (f"You are not authorized to perform this operation. User: {who} is not "
                                               f"authorized to perform: {err} because no identity-based policy allows "
                                               f"the {err} action. Encoded authorization failure message: "
                                               + rid(rng, "", 48, ALNUM))
                    else:
                        rec["errorCode"] = "AccessDenied"
                        rec["errorMessage"] = (f"User: {who} is not authorized to perform: {err} on resource: * "
                                               f"because no identity-based policy allows the {err} action")
                rec["requestParameters"] = rp
                rec["responseElements"] = resp
                rec["requestID"] = fmt_uuid(rbits(128))
                rec["eventID"] = fmt_uuid(rbits(128))
                rec["readOnly"] = ro
                if data:
                    if res:
                        rec["resources"] = res
                    rec["eventType"] = "AwsApiCall"
                    rec["managementEvent"] = False
                    rec["recipientAccountId"] = ACCOUNT
                    rec["eventCategory"] = "Data"
                else:
                    rec["eventType"] = "AwsApiCall"
                    rec["managementEvent"] = True
                    rec["recipientAccountId"] = ACCOUNT
                    rec["eventCategory"] = "Management"
                rec["tlsDetails"] = {"tlsVersion": tv, "cipherSuite": cs, "clientProvidedHostHeader": hh}
                recs.append(rec)
            body = dumps({"Records": recs}).encode("utf-8")
            gz = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            stamp = time.gmtime(times[-1] if times else hi)
            d = os.path.join(base_dir, time.strftime("%Y/%m/%d", stamp))
            os.makedirs(d, exist_ok=True)
            fname = (f"{ACCOUNT}_CloudTrail_{region}_{time.strftime('%Y%m%dT%H%MZ', stamp)}_"
                     f"{rid(rng, '', 16, ALNUM)}.json.gz")
            with open(os.path.join(d, fname), "wb") as f:
                f.write(gz)
            n_files += 1
            n_events += len(recs)
            raw_bytes += len(body)
            gz_bytes += len(gz)

    # ---- credential report (after events: key "last used" comes from them)
    rep_path = os.path.join(out, "credential-report.csv")
    write_report(rep_path, rng, idents, last_used)
    other = os.path.getsize(auth_path) + os.path.getsize(rep_path)
    secs = time.perf_counter() - t_start
    print(f"files={n_files + 2} (cloudtrail {n_files}) events={n_events} "
          f"uncompressed_bytes={raw_bytes + other} compressed_bytes={gz_bytes + other} "
          f"(cloudtrail {raw_bytes} -> {gz_bytes}) seconds={secs:.1f}")


def write_report(path, rng, idents, last_used):
    cols = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
            "password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated",
            "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
            "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
            "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active",
            "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    created = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

    def rand_time(lo, hi):
        return lo + dt.timedelta(seconds=rng.randrange(int((hi - lo).total_seconds())))

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerow(["<root_account>", f"arn:aws:iam::{ACCOUNT}:root", iso_report(created), "not_supported",
                iso_report(dt.datetime(2026, 8, 3, 9, 14, 2, tzinfo=dt.timezone.utc)), "not_supported",
                "not_supported", "true", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A",
                "false", "N/A", "false", "N/A"])
    for x in idents:
        if x["kind"] != "user":
            continue
        pw = rng.random() < 0.35
        if pw:
            changed = rand_time(created, AS_OF - dt.timedelta(days=30))
            r = rng.random()
            used = "no_information" if r < 0.15 else iso_report(rand_time(changed, AS_OF))
            row_pw = ["true", used, iso_report(changed), "N/A"]
        else:
            row_pw = ["false", "N/A", "N/A", "N/A"]
        mfa = "true" if pw and rng.random() < 0.8 else "false"
        lu = last_used.get(x["name"])
        rot = rand_time(created, WINDOW_START)
        if lu is not None:
            k1 = ["true", iso_report(rot), iso_report(dt.datetime.fromtimestamp(lu[0], dt.timezone.utc).replace(second=0)),
                  lu[1], lu[2]]
        elif rng.random() < 0.5:
            k1 = ["true", iso_report(rot), "N/A", "N/A", "N/A"]
        else:
            k1 = ["false", "N/A", "N/A", "N/A", "N/A"]
        if rng.random() < 0.05:
            rot2 = rand_time(created, WINDOW_START)
            k2 = ["false", iso_report(rot2), iso_report(rand_time(rot2, WINDOW_START)), "us-east-1", "s3"]
        else:
            k2 = ["false", "N/A", "N/A", "N/A", "N/A"]
        w.writerow([x["name"], x["arn"], iso_report(created)] + row_pw + [mfa] + k1 + k2 +
                   ["false", "N/A", "false", "N/A"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
