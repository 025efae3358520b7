#!/usr/bin/env python3
"""Athena's standard CloudTrail table, played by DuckDB over log files, and a
query run on it: how the tests check the SQL that permgap generates for
Athena against the same records that its file reader reads.

    python duckdb_query.py 'LOGS/**/*.json.gz' QUERY.sql

Creates the view "trails"."cloudtrail_logs" with the columns of the table
that the Athena User Guide defines ("Create a table for CloudTrail logs in
Athena using manual partitioning"), those permgap's query reads:
useridentity STRUCT<type, arn, accountid, username,
sessioncontext STRUCT<sessionissuer STRUCT<arn>>>, eventtime, eventsource,
eventname, errorcode, responseelements (the JSON text, as Athena's STRING
column holds it), eventtype, recipientaccountid, eventcategory. Then runs
QUERY.sql and prints its rows as a JSON array of arrays, every value as text
or null (as Athena's GetQueryResults returns them).
"""
import json
import sys

import duckdb

logs, query = sys.argv[1], open(sys.argv[2]).read()
con = duckdb.connect()
con.execute("CREATE SCHEMA trails")


def s(path):
    return f"json_extract_string(r, '$.{path}')"


con.execute(f"""
CREATE VIEW trails.cloudtrail_logs AS
SELECT
  {{'type': {s('userIdentity.type')}, 'arn': {s('userIdentity.arn')},
    'accountid': {s('userIdentity.accountId')}, 'username': {s('userIdentity.userName')},
    'sessioncontext': {{'sessionissuer': {{'arn': {s('userIdentity.sessionContext.sessionIssuer.arn')}}}}}
  }} AS useridentity,
  {s('eventTime')} AS eventtime,
  {s('eventSource')} AS eventsource,
  {s('eventName')} AS eventname,
  {s('errorCode')} AS errorcode,
  CAST(json_extract(r, '$.responseElements') AS VARCHAR) AS responseelements,
  {s('eventType')} AS eventtype,
  {s('recipientAccountId')} AS recipientaccountid,
  {s('eventCategory')} AS eventcategory
FROM (SELECT unnest(Records) AS r FROM read_json('{logs}', columns={{'Records': 'JSON[]'}}))
""")
rows = con.execute(query).fetchall()
print(json.dumps([[None if v is None else str(v) for v in row] for row in rows]))
