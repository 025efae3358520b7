#!/usr/bin/env python3
"""Seed a moto server with one AWS account, and export it as the aws CLI would.

    python seed_account.py ENDPOINT OUT_DIR

Resets the server, creates users, groups, roles, inline and managed policies
(one with two versions, the default not the newest), a role permissions
boundary (moto ignores user boundaries) and an attached AWS-managed policy,
then writes to OUT_DIR:
  authorization-details.json  `aws iam get-account-authorization-details`
                              (boto3 decodes the documents, as the CLI does)
  credential-report.csv       `aws iam get-credential-report`, decoded
  cloudtrail/...              one CloudTrail log file for the account
Both of permgap's paths read these: `collect aws` from the API, `import aws`
from the files. Runs with the project's pinned moto/boto3 (.venv).
"""
import datetime as dt
import gzip
import json
import os
import sys
import time
import urllib.request

import boto3

ENDPOINT, OUT = sys.argv[1], sys.argv[2]
KW = dict(endpoint_url=ENDPOINT, aws_access_key_id="testing", aws_secret_access_key="testing",
          region_name="us-east-1")


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def main():
    urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/moto-api/reset", method="POST")).read()
    iam = boto3.client("iam", **KW)
    account = boto3.client("sts", **KW).get_caller_identity()["Account"]
    arn = lambda kind, name: f"arn:aws:iam::{account}:{kind}/{name}"

    dev = iam.create_policy(PolicyName="DevTools", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["ec2:Describe*", "s3:List*"], "Resource": "*"}))["Policy"]["Arn"]
    # v2 becomes the default; v3 (broader) is created without becoming it.
    iam.create_policy_version(PolicyArn=dev, SetAsDefault=True, PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["ec2:Describe*", "s3:List*", "s3:GetBucketPolicy", "lambda:List*"],
         "Resource": "*"}))
    iam.create_policy_version(PolicyArn=dev, SetAsDefault=False, PolicyDocument=doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}))
    boundary = iam.create_policy(PolicyName="AppBoundary", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["dynamodb:*", "logs:*"], "Resource": "*"}))["Policy"]["Arn"]

    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=dev)
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

    for user, groups in [("ann", ["devs"]), ("bob", ["admins"]), ("ci", [])]:
        iam.create_user(UserName=user)
        for g in groups:
            iam.add_user_to_group(GroupName=g, UserName=user)
    iam.put_user_policy(UserName="ann", PolicyName="NoIamWrites", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:List*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}))
    iam.attach_user_policy(UserName="ci", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    iam.create_access_key(UserName="ci")

    lambda_trust = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole"})
    iam.create_role(RoleName="app", Path="/service/", AssumeRolePolicyDocument=lambda_trust,
                    PermissionsBoundary=boundary)
    iam.put_role_policy(RoleName="app", PolicyName="data", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["dynamodb:DescribeTable", "dynamodb:GetItem", "s3:GetObject"],
         "Resource": "*"}))
    iam.attach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AWSLambdaExecute")

    os.makedirs(OUT, exist_ok=True)
    merged = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        for k in merged:
            merged[k] += page.get(k, [])
    with open(os.path.join(OUT, "authorization-details.json"), "w") as f:
        json.dump(merged, f, default=lambda o: o.isoformat())
    while iam.generate_credential_report()["State"] != "COMPLETE":
        time.sleep(0.2)
    with open(os.path.join(OUT, "credential-report.csv"), "wb") as f:
        f.write(iam.get_credential_report()["Content"])

    day = dt.datetime(2026, 10, 15, 12, tzinfo=dt.timezone.utc)

    def event(user, source, name, minutes, **extra):
        rec = {"eventVersion": "1.09", "eventTime": (day + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "eventSource": source, "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": account,
               "eventType": "AwsApiCall", "managementEvent": True, "eventCategory": "Management",
               "userIdentity": {"type": "IAMUser", "arn": arn("user", user), "accountId": account,
                                "userName": user}}
        rec.update(extra)
        return rec

    session = {"type": "AssumedRole", "arn": f"arn:aws:sts::{account}:assumed-role/app/fn",
               "accountId": account,
               "sessionContext": {"sessionIssuer": {"type": "Role", "arn": arn("role", "service/app")}}}
    records = [
        event("ann", "ec2.amazonaws.com", "DescribeInstances", 0),
        event("ann", "s3.amazonaws.com", "ListBuckets", 5),
        event("ann", "iam.amazonaws.com", "CreateUser", 6, errorCode="AccessDenied"),
        event("bob", "iam.amazonaws.com", "ListUsers", 10),
        event("ci", "s3.amazonaws.com", "GetBucketPolicy", 20),
        dict(event("ann", "dynamodb.amazonaws.com", "DescribeTable", 30), userIdentity=session),
    ]
    d = os.path.join(OUT, "cloudtrail", "AWSLogs", account, "CloudTrail", "us-east-1", "2026", "10", "15")
    os.makedirs(d, exist_ok=True)
    with gzip.open(os.path.join(d, f"{account}_CloudTrail_us-east-1_20261015T1200Z_seed.json.gz"), "wt") as f:
        json.dump({"Records": records}, f)
    print(account)


if __name__ == "__main__":
    main()
