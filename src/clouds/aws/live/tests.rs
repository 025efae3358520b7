use super::*;

#[test]
fn documents_are_url_decoded_into_objects() {
    let v = decode_document(Some("%7B%22Statement%22%3A%5B%5D%7D"));
    assert_eq!(v, serde_json::json!({"Statement": []}));
    // Not decodable: kept as given, for the policy engine to name.
    assert_eq!(
        decode_document(Some("%7Bnope")),
        Value::String("%7Bnope".into())
    );
    assert_eq!(decode_document(None), Value::Null);
}

#[test]
fn only_read_operations() {
    // permgap never mutates: every operation it may call reads, or (the
    // credential report) asks IAM to build a read-only report.
    for op in OPERATIONS {
        let (svc, name) = op.split_once(':').unwrap_or(("", ""));
        assert!(!svc.is_empty(), "{op}");
        let read = [
            "Get",
            "List",
            "Describe",
            "Lookup",
            "GenerateCredentialReport",
            "GenerateServiceLastAccessedDetails",
            // Issues temporary credentials to read the member accounts
            // with; changes nothing in them.
            "AssumeRole",
            // Runs the SELECT permgap writes (athena::usage_sql); Athena
            // keeps its result in the output location.
            "StartQueryExecution",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        assert!(read, "{op} is not a read");
    }
}
