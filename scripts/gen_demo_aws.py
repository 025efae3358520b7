#!/usr/bin/env python3
"""Generate permgap's demo organisation: one realistic AWS account's exports.

    python3 scripts/gen_demo_aws.py [--out fixtures/demo/aws]

Writes, deterministically (same bytes on every run):
  authorization-details.json  as `aws iam get-account-authorization-details
                              --output json` prints it (documents decoded);
                              shape: IAM API Reference,
                              "GetAccountAuthorizationDetails".
  credential-report.csv       as `aws iam get-credential-report` decodes it;
                              columns: IAM User Guide, "Getting credential
                              reports for your AWS account".
  cloudtrail/AWSLogs/...      CloudTrail log files, gzipped {"Records":[...]};
                              fields: CloudTrail User Guide, "CloudTrail record
                              contents" and "CloudTrail userIdentity element".

The scenario (who holds what, who does what, what an auditor should see) is
described in fixtures/demo/aws/SCENARIO.md; keep it in step with this file. Every action named in a policy is checked against
the committed catalog (src/clouds/aws/catalog/actions.tsv) so the demo never trips
the unknown-action warning by accident.
"""
import argparse
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import random
import shutil

ACCOUNT = "111122223333"
MGMT_ACCOUNT = "999988887777"
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
WINDOW_START = AS_OF - dt.timedelta(days=90)
HISTORY_START = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
REGIONS = ["us-east-1", "eu-west-1"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_report(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def uid(prefix, name, n=17):
    h = hashlib.sha1(name.encode()).hexdigest().upper()
    alnum = "".join(c if c.isalpha() else "ABCDEFGHIJ"[int(c)] for c in h)
    return prefix + alnum[:n]


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resource="*", **extra):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


# ------------------------------------------------------------------ policies

def aws_managed():
    """AWS-managed policies. AdministratorAccess, AWSLambdaBasicExecutionRole,
    AmazonS3FullAccess and IAMFullAccess are their real documents; the others
    are condensed to their structure and main statements."""
    return {
        "AdministratorAccess": doc(allow("*")),
        "ReadOnlyAccess": doc(allow(["*:Describe*", "*:Get*", "*:List*"])),
        "PowerUserAccess": doc(
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            allow(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                   "organizations:DescribeOrganization", "account:ListRegions",
                   "account:GetAccountInformation"]),
        ),
        "SecurityAudit": doc(allow([
            "access-analyzer:GetAnalyzer", "access-analyzer:ListAnalyzers", "access-analyzer:ListFindings",
            "cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:List*", "cloudtrail:LookupEvents",
            "config:Describe*", "config:Get*", "ec2:Describe*", "guardduty:Get*", "guardduty:List*",
            "iam:GenerateCredentialReport", "iam:Get*", "iam:List*", "iam:SimulatePrincipalPolicy",
            "kms:Describe*", "kms:Get*", "kms:List*", "s3:GetBucketAcl", "s3:GetBucketPolicy",
            "s3:GetBucketPolicyStatus", "s3:ListAllMyBuckets", "securityhub:Describe*", "securityhub:Get*",
        ])),
        "AmazonS3FullAccess": doc(allow(["s3:*", "s3-object-lambda:*"])),
        "AmazonDynamoDBFullAccess": doc(
            allow(["dynamodb:*", "dax:*", "application-autoscaling:DescribeScalableTargets",
                   "application-autoscaling:RegisterScalableTarget", "cloudwatch:DeleteAlarms",
                   "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm", "sns:ListTopics",
                   "kms:DescribeKey", "kms:ListAliases", "lambda:ListFunctions"]),
            allow("iam:PassRole", Condition={"StringLike": {"iam:PassedToService": ["application-autoscaling.amazonaws.com", "dax.amazonaws.com"]}}),
        ),
        "IAMFullAccess": doc(allow(["iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
                                    "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy",
                                    "organizations:ListChildren", "organizations:ListParents",
                                    "organizations:ListPoliciesForTarget", "organizations:ListRoots",
                                    "organizations:ListPolicies", "organizations:ListTargetsForPolicy"])),
        "AWSLambdaBasicExecutionRole": doc(allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])),
        "CloudWatchAgentServerPolicy": doc(
            allow(["cloudwatch:PutMetricData", "ec2:DescribeVolumes", "ec2:DescribeTags", "logs:PutLogEvents",
                   "logs:DescribeLogStreams", "logs:DescribeLogGroups", "logs:CreateLogStream",
                   "logs:CreateLogGroup"]),
            allow(["ssm:GetParameter"], "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"),
        ),
        "AmazonEC2ContainerRegistryReadOnly": doc(allow([
            "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
            "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages",
            "ecr:BatchGetImage", "ecr:GetLifecyclePolicy", "ecr:GetLifecyclePolicyPreview",
            "ecr:ListTagsForResource", "ecr:DescribeImageScanFindings"])),
        "AWSSupportServiceRolePolicy": doc(allow([
            "support:*", "trustedadvisor:Describe*", "iam:GetRole", "iam:ListRoles", "ec2:Describe*",
            "s3:GetBucketLocation", "s3:ListAllMyBuckets", "cloudtrail:DescribeTrails"])),
    }


def customer_managed():
    """Customer managed policies: name -> list of versions (doc, is_default).
    DeveloperTools has three versions and the default is the middle one."""
    arn = f"arn:aws:s3:::acme-data-lake"
    return {
        "DeveloperTools": [
            (doc(allow(["ec2:Describe*", "s3:List*"])), False),
            (doc(allow(["ec2:Describe*", "s3:Get*", "s3:List*", "cloudwatch:*", "logs:Get*", "logs:Describe*",
                        "logs:FilterLogEvents", "lambda:Get*", "lambda:List*", "lambda:UpdateFunctionCode",
                        "lambda:UpdateFunctionConfiguration"])), True),
            (doc(allow("*")), False),
        ],
        "LegacyReportingAccess": [
            (doc(allow(["redshift:Describe*", "redshift:GetClusterCredentials", "quicksight:Describe*",
                        "quicksight:List*", "athena:*"])), True),
        ],
        "DeveloperBoundary": [
            (doc(allow(["ec2:*", "s3:*", "cloudwatch:*", "logs:*", "lambda:*", "dynamodb:*", "sqs:*", "sns:*"]),
                 {"Effect": "Deny", "Action": ["ec2:TerminateInstances", "s3:DeleteBucket"], "Resource": "*"}), True),
        ],
        "CIDeployPolicy": [
            (doc(allow(["cloudformation:*"]),
                 allow(["s3:PutObject", "s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::acme-artifacts", "arn:aws:s3:::acme-artifacts/*"]),
                 allow(["lambda:UpdateFunctionCode", "lambda:GetFunction", "lambda:PublishVersion", "lambda:UpdateAlias"]),
                 allow(["iam:PassRole"], f"arn:aws:iam::{ACCOUNT}:role/app/*"),
                 allow(["ecr:GetAuthorizationToken", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"])), True),
        ],
        "DataPipelineAccess": [
            (doc(allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], [arn, arn + "/*"]),
                 allow(["glue:GetTable", "glue:GetTables", "glue:GetDatabase", "glue:StartJobRun", "glue:GetJobRun",
                        "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"])), True),
        ],
        "BillingReadOnly": [
            (doc(allow(["ce:Get*", "ce:Describe*", "ce:List*", "budgets:ViewBudget", "budgets:DescribeBudgetActionsForAccount",
                        "billing:GetBillingData", "billing:GetBillingDetails", "cur:DescribeReportDefinitions",
                        "pricing:GetProducts", "pricing:DescribeServices"])), True),
        ],
    }


# ------------------------------------------------------------------ identities

# (name, groups, attached, inline, boundary, password, keys, created)
# keys: list of (last_rotated, last_used or None)
USERS = [
    ("alice", ["Admins"], [], {}, None, True, [], "2023-02-01"),
    ("bob", ["Developers"], [], {}, None, True, [("2026-01-10", None)], "2023-05-12"),
    ("carol", ["Developers"], [], {}, None, True, [], "2024-03-03"),
    ("dan", ["Developers"], [], {}, None, True, [("2025-11-02", "2026-06-18")], "2022-09-14"),
    ("erin", ["Auditors"], [], {}, None, True, [], "2024-01-20"),
    ("frank", ["Developers"], [], {}, "DeveloperBoundary", True, [], "2026-04-01"),
    ("grace", ["DataEngineers"], [], {}, None, True, [], "2024-07-07"),
    ("heidi", ["Billing"], [], {}, None, True, [], "2025-02-02"),
    ("ivan", ["IAMAdmins"], [], {}, None, True, [], "2024-10-10"),
    ("judy", [], [], {"ReadOnlyUnlessMFA": doc(
        allow(["s3:*", "ec2:*", "cloudwatch:*"]),
        {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*", "ec2:Describe*", "cloudwatch:Get*",
                                         "cloudwatch:List*", "cloudwatch:Describe*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    )}, None, True, [], "2025-06-15"),
    ("kevin", [], [], {"OfficeNetworkEC2": doc(
        allow(["ec2:*"], Condition={"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}),
        allow(["ec2:DescribeInstances", "ec2:DescribeRegions"]),
    )}, None, True, [], "2025-09-01"),
    ("mallory", ["Developers"], [], {}, None, True, [], "2025-01-15"),
    ("ci-deploy", [], ["CIDeployPolicy"], {}, None, False, [("2026-02-01", "DAILY")], "2024-02-01"),
    ("legacy-integration", [], [], {"LegacyQueueAndBucket": doc(
        allow(["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:PurgeQueue",
               "sqs:DeleteQueue"]),
        allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]),
    )}, None, False, [("2024-05-05", "2026-03-10")], "2021-04-01"),
    ("monitoring-agent", [], ["aws:CloudWatchAgentServerPolicy"], {}, None, False,
     [("2026-01-05", "DAILY"), ("2025-12-01", None)], "2023-08-08"),
]

GROUPS = {
    "Admins": ["aws:AdministratorAccess"],
    "Developers": ["aws:PowerUserAccess", "DeveloperTools", "LegacyReportingAccess"],
    "Auditors": ["aws:ReadOnlyAccess", "aws:SecurityAudit"],
    "DataEngineers": ["aws:AmazonS3FullAccess", "aws:AmazonDynamoDBFullAccess"],
    "Billing": ["BillingReadOnly"],
    "IAMAdmins": ["aws:IAMFullAccess"],
}


def trust(principal):
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


# (name, path, trust, attached, inline, created)
ROLES = [
    ("orders-api-lambda", "/app/", trust({"Service": "lambda.amazonaws.com"}), ["aws:AWSLambdaBasicExecutionRole"],
     {"OrdersTableAccess": doc(
         allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:DescribeTable"],
               f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"),
         allow(["kms:Decrypt"], f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"))},
     "2024-04-04"),
    ("thumbnailer-lambda", "/app/", trust({"Service": "lambda.amazonaws.com"}), ["aws:AWSLambdaBasicExecutionRole"],
     {"ImagesBucket": doc(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::acme-images/*"))}, "2024-06-06"),
    ("web-ec2", "/app/", trust({"Service": "ec2.amazonaws.com"}),
     ["aws:CloudWatchAgentServerPolicy", "aws:AmazonEC2ContainerRegistryReadOnly"],
     {"AppConfigRead": doc(allow(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]),
                           allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]))}, "2023-09-09"),
    ("batch-ecs-task", "/app/", trust({"Service": "ecs-tasks.amazonaws.com"}), ["DataPipelineAccess"], {}, "2025-03-03"),
    ("OrganizationAccountAccessRole", "/", trust({"AWS": f"arn:aws:iam::{MGMT_ACCOUNT}:root"}),
     ["aws:AdministratorAccess"], {}, "2022-01-01"),
    ("AWSReservedSSO_ReadOnly_4f2a9c", "/aws-reserved/sso.amazonaws.com/",
     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
         "Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_1a2b3c_DO_NOT_DELETE"},
         "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
         "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]},
     ["aws:ReadOnlyAccess"], {}, "2024-01-01"),
    ("BreakGlassAdmin", "/", trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), ["aws:AdministratorAccess"], {}, "2022-01-01"),
    ("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/", trust({"Service": "support.amazonaws.com"}),
     ["aws:AWSSupportServiceRolePolicy"], {}, "2022-01-01"),
]

# ------------------------------------------------------------------ behaviour

# Who calls what: identity -> (events per active day, [(eventSource, eventName, weight)]).
# Event names are as CloudTrail logs them, including the awkward ones.
HABITS = {
    "user/alice": (3, [("iam", "ListUsers", 5), ("iam", "GetAccountSummary", 2), ("iam", "ListRoles", 3),
                       ("cloudtrail", "LookupEvents", 2), ("sts", "GetCallerIdentity", 1),
                       ("s3", "ListBuckets", 2), ("ec2", "DescribeInstances", 3)]),
    "user/bob": (8, [("ec2", "DescribeInstances", 10), ("ec2", "DescribeSecurityGroups", 4), ("ec2", "RunInstances", 1),
                     ("ec2", "CreateTags", 1), ("s3", "ListBuckets", 4), ("s3", "GetBucketLocation", 2),
                     ("lambda", "ListFunctions20150331", 4), ("lambda", "GetFunction20150331v2", 4),
                     ("lambda", "UpdateFunctionCode20150331v2", 2), ("logs", "FilterLogEvents", 5),
                     ("logs", "DescribeLogGroups", 3), ("monitoring", "GetMetricData", 4),
                     ("monitoring", "DescribeAlarms", 2), ("cloudformation", "DescribeStacks", 3)]),
    "user/carol": (2, [("ec2", "DescribeInstances", 5), ("s3", "ListBuckets", 2), ("logs", "FilterLogEvents", 3),
                       ("lambda", "ListFunctions20150331", 2)]),
    "user/erin": (3, [("iam", "GenerateCredentialReport", 1), ("iam", "GetCredentialReport", 1), ("iam", "ListUsers", 3),
                      ("iam", "ListPolicies", 2), ("iam", "GetAccountAuthorizationDetails", 1),
                      ("cloudtrail", "DescribeTrails", 2), ("config", "DescribeConfigRules", 2),
                      ("guardduty", "ListFindings", 2), ("guardduty", "ListDetectors", 1),
                      ("securityhub", "GetFindings", 2), ("s3", "GetBucketPolicy", 2), ("s3", "GetBucketAcl", 2),
                      ("kms", "ListKeys", 1)]),
    "user/frank": (4, [("ec2", "DescribeInstances", 6), ("ec2", "StartInstances", 1), ("ec2", "StopInstances", 1),
                       ("s3", "ListBuckets", 3), ("s3", "CreateBucket", 1), ("sqs", "ListQueues", 2),
                       ("sqs", "CreateQueue", 1)]),
    "user/grace": (3, [("s3", "ListBuckets", 4), ("s3", "GetBucketPolicy", 2), ("s3", "PutBucketPolicy", 1),
                       ("s3", "CreateBucket", 1), ("s3", "GetBucketVersioning", 1), ("dynamodb", "DescribeTable", 3),
                       ("dynamodb", "ListTables", 3), ("dynamodb", "CreateTable", 1), ("dynamodb", "UpdateTimeToLive", 1)]),
    "user/heidi": (1, [("ce", "GetCostAndUsage", 4), ("ce", "GetCostForecast", 1), ("budgets", "DescribeBudgets", 2)]),
    "user/ivan": (1, [("sts", "GetCallerIdentity", 1)]),
    "user/judy": (2, [("s3", "ListBuckets", 3), ("ec2", "DescribeInstances", 3), ("monitoring", "GetMetricStatistics", 2)]),
    "user/kevin": (2, [("ec2", "DescribeInstances", 4), ("ec2", "DescribeRegions", 1), ("ec2", "RebootInstances", 1)]),
    "user/ci-deploy": (6, [("cloudformation", "DescribeStacks", 6), ("cloudformation", "CreateChangeSet", 2),
                           ("cloudformation", "DescribeChangeSet", 2), ("cloudformation", "ExecuteChangeSet", 2),
                           ("lambda", "UpdateFunctionCode20150331v2", 2), ("lambda", "GetFunction20150331v2", 2),
                           ("lambda", "PublishVersion20150331", 1), ("ecr", "GetAuthorizationToken", 3),
                           ("ecr", "InitiateLayerUpload", 1), ("ecr", "CompleteLayerUpload", 1), ("ecr", "PutImage", 1)]),
    "user/monitoring-agent": (10, [("monitoring", "PutMetricData", 10), ("logs", "CreateLogStream", 2),
                                   ("logs", "DescribeLogStreams", 2), ("ec2", "DescribeTags", 3),
                                   ("ec2", "DescribeVolumes", 1)]),
    "role/orders-api-lambda": (6, [("logs", "CreateLogStream", 3), ("kms", "Decrypt", 6), ("dynamodb", "DescribeTable", 1)]),
    "role/thumbnailer-lambda": (3, [("logs", "CreateLogStream", 3), ("logs", "CreateLogGroup", 1)]),
    "role/web-ec2": (8, [("ssm", "GetParameter", 4), ("ssm", "GetParametersByPath", 1), ("secretsmanager", "GetSecretValue", 3),
                         ("ecr", "GetAuthorizationToken", 2), ("ecr", "BatchGetImage", 2), ("ecr", "GetDownloadUrlForLayer", 2),
                         ("monitoring", "PutMetricData", 6), ("ec2", "DescribeTags", 2), ("logs", "CreateLogStream", 1)]),
    "role/batch-ecs-task": (4, [("glue", "GetTable", 3), ("glue", "GetDatabase", 1), ("athena", "StartQueryExecution", 3),
                                ("athena", "GetQueryExecution", 4), ("athena", "GetQueryResults", 3)]),
    "role/OrganizationAccountAccessRole": (0, [("iam", "ListRoles", 2), ("organizations", "DescribeOrganization", 1),
                                               ("cloudtrail", "DescribeTrails", 1), ("iam", "GetRole", 1)]),
    "role/AWSReservedSSO_ReadOnly_4f2a9c": (3, [("ec2", "DescribeInstances", 4), ("s3", "ListBuckets", 2),
                                                 ("monitoring", "GetMetricData", 3), ("rds", "DescribeDBInstances", 2),
                                                 ("lambda", "ListFunctions20150331", 1)]),
}

# Identities active only on some days: fraction of window days, or explicit dates.
ACTIVITY = {
    "user/alice": 0.35, "user/bob": 0.8, "user/carol": 0.3, "user/erin": 0.4, "user/frank": 0.5, "user/grace": 0.5,
    "user/heidi": 0.2, "user/ivan": 0.15, "user/judy": 0.3, "user/kevin": 0.25, "user/ci-deploy": 0.9,
    "user/monitoring-agent": 1.0, "role/orders-api-lambda": 1.0, "role/thumbnailer-lambda": 0.7, "role/web-ec2": 1.0,
    "role/batch-ecs-task": 0.6, "role/OrganizationAccountAccessRole": 0.0, "role/AWSReservedSSO_ReadOnly_4f2a9c": 0.4,
}

SERVICE_HOST = {"monitoring": "monitoring.amazonaws.com"}
USER_AGENTS = {
    "human": "aws-cli/2.17.20 Python/3.11.9 Linux/6.1 exe/x86_64.ubuntu.22",
    "console": "AWS Internal",
    "sdk": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/cloudformation#1.53.3",
    "lambda": "aws-sdk-java/2.26.12 Linux/5.10 OpenJDK_64-Bit_Server_VM/21.0.3 exec-env/AWS_Lambda_java21",
    "ec2": "aws-sdk-go/1.54.19 (go1.22.5; linux; amd64) amazon-ssm-agent/3.3.551.0",
}
READ_PREFIXES = ("Describe", "Get", "List", "Lookup", "Filter", "BatchGet")


class Gen:
    def __init__(self):
        self.rng = random.Random(20261101)
        self.records = []  # (time, region, record)

    def uuid(self):
        r = self.rng.getrandbits(128)
        h = f"{r:032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def identity(self, key, session=None):
        kind, name = key.split("/", 1)
        if kind == "user":
            return {"type": "IAMUser", "principalId": uid("AIDA", name), "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
                    "accountId": ACCOUNT, "accessKeyId": uid("AKIA", name + "key", 16), "userName": name}
        path = ROLE_PATHS[name]
        role_arn = f"arn:aws:iam::{ACCOUNT}:role{path}{name}"
        role_id = uid("AROA", name)
        return {"type": "AssumedRole", "principalId": f"{role_id}:{session}",
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}", "accountId": ACCOUNT,
                "accessKeyId": uid("ASIA", name + session, 16),
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn,
                                                     "accountId": ACCOUNT, "userName": name},
                                   "webIdFederationData": {},
                                   "attributes": {"creationDate": None, "mfaAuthenticated": "false"}}}

    def add(self, t, region, who, source, name, agent="human", error=None, extra=None):
        host = SERVICE_HOST.get(source, f"{source}.amazonaws.com")
        ro = name.startswith(READ_PREFIXES)
        rec = {
            "eventVersion": "1.09", "userIdentity": who, "eventTime": iso(t), "eventSource": host, "eventName": name,
            "awsRegion": region, "sourceIPAddress": "203.0.113.%d" % self.rng.randint(2, 250),
            "userAgent": USER_AGENTS[agent], "requestParameters": None, "responseElements": None,
            "requestID": self.uuid(), "eventID": self.uuid(), "readOnly": ro, "eventType": "AwsApiCall",
            "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": f"{host.split('.')[0]}.{region}.amazonaws.com"},
        }
        ctx = who.get("sessionContext")
        if ctx:
            ctx["attributes"]["creationDate"] = iso(t.replace(minute=0, second=0))
        if error:
            rec["errorCode"], rec["errorMessage"] = error
        if extra:
            rec.update(extra)
        self.records.append((t, region, rec))

    def day_time(self, day):
        return day + dt.timedelta(hours=self.rng.randint(7, 19), minutes=self.rng.randint(0, 59),
                                  seconds=self.rng.randint(0, 59))

    def habit_day(self, key, day, session, agent):
        per_day, habits = HABITS[key]
        weights = [h[2] for h in habits]
        for _ in range(self.rng.randint(max(1, per_day // 2), per_day + 1)):
            src, name, _w = self.rng.choices(habits, weights)[0]
            region = "eu-west-1" if self.rng.random() < 0.25 else "us-east-1"
            self.add(self.day_time(day), region, self.identity(key, session), src, name, agent)

    def signin(self, t, user, ok=True):
        who = self.identity(f"user/{user}")
        who.pop("accessKeyId", None)
        self.add(t, "us-east-1", who, "signin", "ConsoleLogin", "console",
                 error=None if ok else None,
                 extra={"eventType": "AwsConsoleSignIn", "readOnly": False,
                        "responseElements": {"ConsoleLogin": "Success" if ok else "Failure"},
                        "additionalEventData": {"MFAUsed": "Yes" if ok else "No", "LoginTo": "https://console.aws.amazon.com/console/home"},
                        **({} if ok else {"errorMessage": "Failed authentication"})})


ROLE_PATHS = {r[0]: r[1] for r in ROLES}
SESSIONS = {
    "role/orders-api-lambda": ("orders-api", "lambda"), "role/thumbnailer-lambda": ("thumbnailer", "lambda"),
    "role/web-ec2": ("i-0a1b2c3d4e5f60718", "ec2"), "role/batch-ecs-task": ("3f9c2b7e5d1a4c8b9e0f", "sdk"),
    "role/AWSReservedSSO_ReadOnly_4f2a9c": ("erin@acme.example", "human"),
    "role/OrganizationAccountAccessRole": ("ops-admin", "human"),
}


def behaviour(g):
    days = [WINDOW_START + dt.timedelta(days=i) for i in range(90)]
    humans = {"user/" + u[0] for u in USERS if u[5]}
    for key, frac in ACTIVITY.items():
        session, agent = SESSIONS.get(key, (None, "human" if key in humans else "sdk"))
        for day in days:
            if g.rng.random() < frac:
                g.habit_day(key, day, session, agent)
                if key in humans and key != "user/ivan" and g.rng.random() < 0.5:
                    g.signin(g.day_time(day), key.split("/")[1])
    # ivan signs in now and then and checks who he is; never touches IAM.
    for d in (5, 33, 61, 80):
        g.signin(g.day_time(days[d]), "ivan")
    # The management account's operators use OrganizationAccountAccessRole twice.
    for d in (12, 70):
        for src, name, _ in HABITS["role/OrganizationAccountAccessRole"][1]:
            g.add(g.day_time(days[d]), "us-east-1", g.identity("role/OrganizationAccountAccessRole", "ops-admin"), src, name)
    # Denied attempts: attempts, not use.
    g.add(g.day_time(days[20]), "us-east-1", g.identity("user/frank"), "iam", "ListUsers",
          error=("AccessDenied", "User: arn:aws:iam::111122223333:user/frank is not authorized to perform: iam:ListUsers"))
    g.add(g.day_time(days[21]), "us-east-1", g.identity("user/carol"), "iam", "CreateUser",
          error=("AccessDenied", "User: arn:aws:iam::111122223333:user/carol is not authorized to perform: iam:CreateUser"))
    g.add(g.day_time(days[40]), "us-east-1", g.identity("user/frank"), "ec2", "TerminateInstances",
          error=("Client.UnauthorizedOperation", "You are not authorized to perform this operation."))
    # An error that is not a denial: the permission was exercised.
    g.add(g.day_time(days[45]), "us-east-1", g.identity("user/bob"), "lambda", "GetFunction20150331v2",
          error=("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:111122223333:function:old"))
    # Someone tries mallory's password: a failed sign-in is not activity.
    g.signin(g.day_time(days[55]), "mallory", ok=False)
    # AWS services acting on their own: nobody's use.
    for d in range(0, 90, 3):
        g.add(g.day_time(days[d]), "us-east-1", {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}, "sts",
              "AssumeRole", "console")
        g.add(g.day_time(days[d]), "eu-west-1", {"type": "AWSService", "invokedBy": "config.amazonaws.com"}, "sts",
              "AssumeRole", "console")
    # Before the window: dan and legacy-integration were last active in June.
    for d in range(0, 20, 2):
        day = HISTORY_START + dt.timedelta(days=d)
        g.habit_day("user/bob", day, None, "human")
        who = g.identity("user/dan")
        g.add(g.day_time(day), "us-east-1", who, "ec2", "DescribeInstances")
        g.add(g.day_time(day), "us-east-1", who, "s3", "ListBuckets")
        g.signin(g.day_time(day), "dan")
    # Records as CloudTrail writes them where reading them takes care (issue
    # 18): a v1 REST API tagged (apigateway:PUT, not POST), a Chime SDK media
    # pipeline (logged as chime-sdk-media-pipelines.amazonaws.com, credits
    # chime:CreateMediaCapturePipeline), and a console session from the
    # federation endpoint (GetSigninToken: a sign-in, no IAM action).
    g.add(days[60].replace(hour=10, minute=12, second=31), "us-east-1", g.identity("user/bob"), "apigateway",
          "TagResource", extra={"readOnly": False, "requestParameters": {
              "resource_arn": f"arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod",
              "tags": {"team": "web"}}})
    g.add(days[62].replace(hour=15, minute=40, second=2), "us-east-1", g.identity("user/bob"),
          "chime-sdk-media-pipelines", "CreateMediaCapturePipeline", extra={"readOnly": False, "requestParameters": {
              "sourceType": "ChimeSdkMeeting", "sinkType": "S3Bucket",
              "sinkArn": f"arn:aws:s3:::acme-meeting-recordings"}})
    sso = g.identity("role/AWSReservedSSO_ReadOnly_4f2a9c", "erin@acme.example")
    g.add(days[64].replace(hour=9, minute=2, second=44), "us-east-1", sso, "signin", "GetSigninToken", "console",
          extra={"eventType": "AwsConsoleSignIn", "readOnly": False,
                 "responseElements": {"GetSigninToken": "Success"}})


def write_logs(g, out):
    by_file = {}
    for t, region, rec in g.records:
        by_file.setdefault((t.date(), region), []).append((t, rec))
    for (day, region), recs in sorted(by_file.items()):
        recs.sort(key=lambda x: (x[0], x[1]["eventID"]))
        d = os.path.join(out, "cloudtrail", "AWSLogs", ACCOUNT, "CloudTrail", region,
                         f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}")
        os.makedirs(d, exist_ok=True)
        tag = hashlib.sha1(f"{day}{region}".encode()).hexdigest()[:16].upper()
        name = f"{ACCOUNT}_CloudTrail_{region}_{day:%Y%m%d}T2355Z_{tag}.json.gz"
        body = json.dumps({"Records": [r for _, r in recs]}, separators=(",", ":")).encode()
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as z:
            z.write(body)
        with open(os.path.join(d, name), "wb") as f:
            f.write(buf.getvalue())
    return len(by_file)


def last_seen(g):
    last = {}
    for t, _, rec in g.records:
        ui = rec["userIdentity"]
        arn = ui.get("sessionContext", {}).get("sessionIssuer", {}).get("arn") or ui.get("arn")
        if arn and not rec.get("errorCode") and rec["responseElements"] != {"ConsoleLogin": "Failure"}:
            last[arn] = max(last.get(arn, t), t)
    return last


# ------------------------------------------------------------------ exports

def policy_arn(ref):
    if ref.startswith("aws:"):
        return f"arn:aws:iam::aws:policy/{ref[4:]}"
    return f"arn:aws:iam::{ACCOUNT}:policy/{ref}"


def attached(refs):
    return [{"PolicyName": r.split(":")[-1], "PolicyArn": policy_arn(r)} for r in refs]


def date(s):
    return s + "T09:00:00Z"


def authorization_details(g):
    last = last_seen(g)
    users, roles, groups, policies = [], [], [], []
    count = {}
    for name, refs in GROUPS.items():
        for r in refs:
            count[r] = count.get(r, 0) + 1
        groups.append({"Path": "/", "GroupName": name, "GroupId": uid("AGPA", name),
                       "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}", "CreateDate": date("2022-01-01"),
                       "GroupPolicyList": [], "AttachedManagedPolicies": attached(refs)})
    for name, grps, refs, inline, boundary, _pw, _keys, created in USERS:
        for r in refs:
            count[r] = count.get(r, 0) + 1
        u = {"Path": "/", "UserName": name, "UserId": uid("AIDA", name), "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
             "CreateDate": date(created), "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in inline.items()],
             "GroupList": grps, "AttachedManagedPolicies": attached(refs), "Tags": []}
        if boundary:
            u["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn(boundary)}
        users.append(u)
    for name, path, trust_doc, refs, inline, created in ROLES:
        for r in refs:
            count[r] = count.get(r, 0) + 1
        arn = f"arn:aws:iam::{ACCOUNT}:role{path}{name}"
        lu = {}
        if arn in last:
            lu = {"LastUsedDate": iso(last[arn]), "Region": "us-east-1"}
        elif name == "AWSServiceRoleForSupport":
            lu = {"LastUsedDate": "2026-09-14T03:12:45Z", "Region": "us-east-1"}
        profiles = []
        if name == "web-ec2":
            profiles = [{"Path": "/app/", "InstanceProfileName": name, "InstanceProfileId": uid("AIPA", name),
                         "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/app/{name}", "CreateDate": date(created),
                         "Roles": []}]
        roles.append({"Path": path, "RoleName": name, "RoleId": uid("AROA", name), "Arn": arn,
                      "CreateDate": date(created), "AssumeRolePolicyDocument": trust_doc,
                      "InstanceProfileList": profiles,
                      "RolePolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in inline.items()],
                      "AttachedManagedPolicies": attached(refs), "RoleLastUsed": lu, "Tags": []})
    boundary_uses = {u[4] for u in USERS if u[4]}
    for name, d in aws_managed().items():
        ref = "aws:" + name
        policies.append({"PolicyName": name, "PolicyId": uid("ANPA", name), "Arn": policy_arn(ref),
                         "Path": "/service-role/" if name == "AWSLambdaBasicExecutionRole" else "/",
                         "DefaultVersionId": "v1", "AttachmentCount": count.get(ref, 0),
                         "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                         "CreateDate": date("2015-02-06"), "UpdateDate": date("2025-06-01"),
                         "PolicyVersionList": [{"Document": d, "VersionId": "v1", "IsDefaultVersion": True,
                                                "CreateDate": date("2025-06-01")}]})
    for name, versions in customer_managed().items():
        vlist = []
        default = "v1"
        for i, (d, is_default) in enumerate(versions, start=1):
            vlist.append({"Document": d, "VersionId": f"v{i}", "IsDefaultVersion": is_default,
                          "CreateDate": date(f"2025-0{i}-01")})
            if is_default:
                default = f"v{i}"
        vlist.reverse()  # newest first, as IAM lists them
        policies.append({"PolicyName": name, "PolicyId": uid("ANPA", name), "Arn": policy_arn(name), "Path": "/",
                         "DefaultVersionId": default, "AttachmentCount": count.get(name, 0),
                         "PermissionsBoundaryUsageCount": 1 if name in boundary_uses else 0, "IsAttachable": True,
                         "CreateDate": date("2025-01-01"), "UpdateDate": date("2025-03-01"),
                         "PolicyVersionList": vlist})
    return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}


REPORT_COLUMNS = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
                  "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
                  "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
                  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
                  "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
                  "cert_2_active,cert_2_last_rotated")


def credential_report(g):
    signins, keyuse = {}, {}
    for t, _, rec in g.records:
        ui = rec["userIdentity"]
        if ui.get("type") != "IAMUser":
            continue
        name = ui["userName"]
        if rec["eventName"] == "ConsoleLogin":
            if rec["responseElements"] == {"ConsoleLogin": "Success"}:
                signins[name] = max(signins.get(name, t), t)
        elif "accessKeyId" in ui:
            keyuse[name] = max(keyuse.get(name, t), t)
    rows = [REPORT_COLUMNS,
            f"<root_account>,arn:aws:iam::{ACCOUNT}:root,2022-01-01T00:00:00+00:00,not_supported,2026-02-11T08:00:00+00:00,"
            "not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"]
    for name, _g, _r, _i, _b, pw, keys, created in USERS:
        c = f"{created}T09:00:00+00:00"
        if pw:
            used = signins.get(name)
            pw_cols = ["true", iso_report(used) if used else "no_information", c, "N/A", "true"]
        else:
            pw_cols = ["false", "N/A", "N/A", "N/A", "false"]
        key_cols = []
        for i in range(2):
            if i < len(keys):
                rotated, last = keys[i]
                if last == "DAILY":
                    last = keyuse.get(name)
                elif last is not None:
                    last = dt.datetime.fromisoformat(last + "T10:00:00+00:00")
                key_cols += ["true", f"{rotated}T09:00:00+00:00",
                             iso_report(last) if last else "N/A", "us-east-1" if last else "N/A",
                             "iam" if last else "N/A"]
            else:
                key_cols += ["false", "N/A", "N/A", "N/A", "N/A"]
        rows.append(",".join([name, f"arn:aws:iam::{ACCOUNT}:user/{name}", c] + pw_cols + key_cols
                             + ["false", "N/A", "false", "N/A"]))
    return "\n".join(rows) + "\n"


def check_actions(gaad):
    """Every non-wildcard action in a policy exists in the catalog."""
    known = set()
    with open(os.path.join(ROOT, "src", "clouds", "aws", "catalog", "actions.tsv")) as f:
        for line in f:
            if not line.startswith("#"):
                p = line.split("\t")
                known.add(f"{p[0]}:{p[1]}".lower())
    docs = [v["Document"] for p in gaad["Policies"] for v in p["PolicyVersionList"] if v["IsDefaultVersion"]]
    for e in gaad["UserDetailList"] + gaad["RoleDetailList"]:
        docs += [p["PolicyDocument"] for p in e.get("UserPolicyList", []) + e.get("RolePolicyList", [])]
    for d in docs:
        for s in d["Statement"]:
            acts = s.get("Action", s.get("NotAction", []))
            for a in [acts] if isinstance(acts, str) else acts:
                if "*" not in a and a.lower() not in known:
                    raise SystemExit(f"unknown action in demo policy: {a}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures", "demo", "aws"))
    out = ap.parse_args().out
    g = Gen()
    behaviour(g)
    gaad = authorization_details(g)
    check_actions(gaad)
    if os.path.exists(os.path.join(out, "cloudtrail")):
        shutil.rmtree(os.path.join(out, "cloudtrail"))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "authorization-details.json"), "w") as f:
        json.dump(gaad, f, indent=4)
        f.write("\n")
    with open(os.path.join(out, "credential-report.csv"), "w") as f:
        f.write(credential_report(g))
    files = write_logs(g, out)
    print(f"{len(USERS)} users, {len(ROLES)} roles, {len(GROUPS)} groups, {len(gaad['Policies'])} policies, "
          f"{len(g.records)} events in {files} files")


if __name__ == "__main__":
    main()
