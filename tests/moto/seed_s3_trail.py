#!/usr/bin/env python3
"""Put CloudTrail log files in a moto S3 bucket, as a trail delivers them.

    python seed_s3_trail.py ENDPOINT ACCOUNT

Bucket `trail-bucket`, dated relative to now:
  logs/AWSLogs/ACCOUNT/CloudTrail/us-east-1/<2 days ago>/    ann ListBuckets
  logs/AWSLogs/ACCOUNT/CloudTrail/eu-west-1/<5 days ago>/    ann DescribeInstances
  logs/AWSLogs/ACCOUNT/CloudTrail/us-east-1/<200 days ago>/  ann GetUser (outside 90 days)
  logs/AWSLogs/999999999999/CloudTrail/us-east-1/<2 days ago>/  another account
  logs/AWSLogs/ACCOUNT/CloudTrail-Digest/...                 a digest, not a log
  org/AWSLogs/o-abc123def4/ACCOUNT/CloudTrail/us-east-1/<1 day ago>/  ann ListGroups
"""
import datetime as dt
import gzip
import json
import sys

import boto3

ENDPOINT, ACCOUNT = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=ENDPOINT, aws_access_key_id="testing", aws_secret_access_key="testing",
                  region_name="us-east-1")
s3.create_bucket(Bucket="trail-bucket")
now = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)


def put(prefix, account, region, days_ago, source, name, folder="CloudTrail"):
    t = now - dt.timedelta(days=days_ago)
    rec = {"eventVersion": "1.09", "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source,
           "eventName": name, "awsRegion": region, "recipientAccountId": account, "eventType": "AwsApiCall",
           "managementEvent": True, "eventCategory": "Management",
           "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/ann", "accountId": account,
                            "userName": "ann"}}
    root = prefix if "/AWSLogs/o-" in prefix else prefix + "/AWSLogs"
    key = (f"{root}/{account}/{folder}/{region}/{t:%Y/%m/%d}/"
           f"{account}_{folder}_{region}_{t:%Y%m%dT%H%MZ}_x.json.gz")
    s3.put_object(Bucket="trail-bucket", Key=key, Body=gzip.compress(json.dumps({"Records": [rec]}).encode()))


put("logs", ACCOUNT, "us-east-1", 2, "s3.amazonaws.com", "ListBuckets")
put("logs", ACCOUNT, "eu-west-1", 5, "ec2.amazonaws.com", "DescribeInstances")
put("logs", ACCOUNT, "us-east-1", 200, "iam.amazonaws.com", "GetUser")
put("logs", "999999999999", "us-east-1", 2, "iam.amazonaws.com", "ListRoles")
put("logs", ACCOUNT, "us-east-1", 2, "iam.amazonaws.com", "ListPolicies", folder="CloudTrail-Digest")
put("org/AWSLogs/o-abc123def4", ACCOUNT, "us-east-1", 1, "iam.amazonaws.com", "ListGroups")
