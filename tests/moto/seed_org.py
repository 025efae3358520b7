#!/usr/bin/env python3
"""Seed a moto server with an AWS Organization of five accounts.

    python seed_org.py ENDPOINT

The caller's account (123456789012) manages the organization; members `app`
and `web` sit in OU `workloads`, which carries the SCP DenyS3List (deny
s3:List*); members `data` and `legacy` sit under the root. Users are created
in each account through OrganizationAccountAccessRole, as permgap will reach
them:
  management: mgmt-admin (AdministratorAccess): SCPs never restrict it
  app:        app-admin  (AdministratorAccess): capped by the OU's SCP
  web:        web-dev    (AdministratorAccess): capped by the OU's SCP
  data:       analyst    (AmazonS3ReadOnlyAccess)
  legacy:     old-admin  (AdministratorAccess): the test refuses its role
Prints the member account IDs as JSON.
"""
import json
import sys

import boto3

E = sys.argv[1]
KW = dict(endpoint_url=E, aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
org = boto3.client("organizations", **KW)
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
app = org.create_account(AccountName="app", Email="app@example.com")["CreateAccountStatus"]["AccountId"]
web = org.create_account(AccountName="web", Email="web@example.com")["CreateAccountStatus"]["AccountId"]
data = org.create_account(AccountName="data", Email="data@example.com")["CreateAccountStatus"]["AccountId"]
legacy = org.create_account(AccountName="legacy", Email="legacy@example.com")["CreateAccountStatus"]["AccountId"]
org.move_account(AccountId=app, SourceParentId=root, DestinationParentId=ou)
org.move_account(AccountId=web, SourceParentId=root, DestinationParentId=ou)
scp = org.create_policy(Name="DenyS3List", Type="SERVICE_CONTROL_POLICY", Description="no listing",
                        Content=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Deny", "Action": "s3:List*", "Resource": "*"}]}))["Policy"]
org.attach_policy(PolicyId=scp["PolicySummary"]["Id"], TargetId=ou)


def iam_in(account):
    if account is None:
        return boto3.client("iam", **KW)
    c = boto3.client("sts", **KW).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
    return boto3.client("iam", endpoint_url=E, aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"],
                        region_name="us-east-1")


for account, user, policy in [(None, "mgmt-admin", "AdministratorAccess"), (app, "app-admin", "AdministratorAccess"),
                              (web, "web-dev", "AdministratorAccess"), (data, "analyst", "AmazonS3ReadOnlyAccess"),
                              (legacy, "old-admin", "AdministratorAccess")]:
    iam = iam_in(account)
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
print(json.dumps({"app": app, "web": web, "data": data, "legacy": legacy}))
