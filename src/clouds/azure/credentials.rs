//! Azure credentials, from `azure_identity` 1.x. That crate has no
//! `DefaultAzureCredential`, so the chain is built here, in the order the
//! Azure SDKs document for theirs: the environment (a service principal's
//! secret, then its certificate), workload identity, managed identity, then
//! the Azure CLI's login. The first that yields a token is used, and named.

use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};

/// ARM's token scope.
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
/// Microsoft Graph's token scope.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// One way of signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// A service principal's secret: AZURE_TENANT_ID, AZURE_CLIENT_ID,
    /// AZURE_CLIENT_SECRET.
    Secret,
    /// A service principal's certificate: AZURE_TENANT_ID, AZURE_CLIENT_ID,
    /// AZURE_CLIENT_CERTIFICATE_PATH (PKCS#12; its password in
    /// AZURE_CLIENT_CERTIFICATE_PASSWORD).
    Certificate,
    /// Workload identity federation: AZURE_TENANT_ID, AZURE_CLIENT_ID,
    /// AZURE_FEDERATED_TOKEN_FILE (AKS sets them).
    WorkloadIdentity,
    /// The managed identity of the VM, App Service or Function it runs on
    /// (AZURE_CLIENT_ID names a user-assigned one).
    ManagedIdentity,
    /// `az login`.
    AzureCli,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Secret => "service principal secret (AZURE_CLIENT_SECRET)",
            Source::Certificate => "service principal certificate (AZURE_CLIENT_CERTIFICATE_PATH)",
            Source::WorkloadIdentity => "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
            Source::ManagedIdentity => "managed identity",
            Source::AzureCli => "Azure CLI (az login)",
        }
    }
}

/// The sources to try, in order, given the environment: those whose
/// variables are set, then managed identity and the Azure CLI, which need
/// none.
pub fn chain(env: &dyn Fn(&str) -> Option<String>) -> Vec<Source> {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    let sp = set("AZURE_TENANT_ID") && set("AZURE_CLIENT_ID");
    let mut out = Vec::new();
    if sp && set("AZURE_CLIENT_SECRET") {
        out.push(Source::Secret);
    }
    if sp && set("AZURE_CLIENT_CERTIFICATE_PATH") {
        out.push(Source::Certificate);
    }
    if sp && set("AZURE_FEDERATED_TOKEN_FILE") {
        out.push(Source::WorkloadIdentity);
    }
    out.push(Source::ManagedIdentity);
    out.push(Source::AzureCli);
    out
}

fn var(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// Builds one source's credential (lazily: workload identity fails at
/// construction when its variables are missing).
pub fn build(source: Source) -> Result<Arc<dyn TokenCredential>, String> {
    let need = |k: &str| var(k).ok_or_else(|| format!("{k} is not set"));
    let e = |e: azure_core::Error| e.to_string();
    Ok(match source {
        Source::Secret => azure_identity::ClientSecretCredential::new(
            &need("AZURE_TENANT_ID")?,
            need("AZURE_CLIENT_ID")?,
            Secret::new(need("AZURE_CLIENT_SECRET")?),
            None,
        )
        .map_err(e)?,
        Source::Certificate => {
            let path = need("AZURE_CLIENT_CERTIFICATE_PATH")?;
            let bytes = std::fs::read(&path).map_err(|x| format!("{path}: {x}"))?;
            let options = azure_identity::ClientCertificateCredentialOptions {
                password: var("AZURE_CLIENT_CERTIFICATE_PASSWORD").map(Secret::new),
                ..Default::default()
            };
            azure_identity::ClientCertificateCredential::new(
                need("AZURE_TENANT_ID")?,
                need("AZURE_CLIENT_ID")?,
                bytes.into(),
                Some(options),
            )
            .map_err(e)?
        }
        Source::WorkloadIdentity => {
            azure_identity::WorkloadIdentityCredential::new(None).map_err(e)?
        }
        Source::ManagedIdentity => {
            let options = azure_identity::ManagedIdentityCredentialOptions {
                user_assigned_id: var("AZURE_CLIENT_ID")
                    .map(azure_identity::UserAssignedId::ClientId),
                ..Default::default()
            };
            azure_identity::ManagedIdentityCredential::new(Some(options)).map_err(e)?
        }
        Source::AzureCli => azure_identity::AzureCliCredential::new(None).map_err(e)?,
    })
}

/// The first source of `sources` that yields an ARM token, with its name;
/// else every source's reason. Managed identity gets a few seconds: off
/// Azure, nothing answers it.
pub async fn first(
    sources: &[Source],
) -> Result<(Source, Arc<dyn TokenCredential>), Vec<(Source, String)>> {
    let mut failed = Vec::new();
    for &s in sources {
        let cred = match build(s) {
            Ok(c) => c,
            Err(why) => {
                failed.push((s, why));
                continue;
            }
        };
        let wait = if s == Source::ManagedIdentity { 3 } else { 60 };
        let got = tokio::time::timeout(
            std::time::Duration::from_secs(wait),
            cred.get_token(&[ARM_SCOPE], None),
        )
        .await;
        match got {
            Ok(Ok(_)) => return Ok((s, cred)),
            Ok(Err(e)) => failed.push((s, e.to_string())),
            Err(_) => failed.push((s, format!("no answer in {wait} s"))),
        }
    }
    Err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_chain_tries_what_the_environment_configures_first() {
        assert_eq!(
            chain(&env(&[])),
            [Source::ManagedIdentity, Source::AzureCli]
        );
        assert_eq!(
            chain(&env(&[
                ("AZURE_TENANT_ID", "t"),
                ("AZURE_CLIENT_ID", "c"),
                ("AZURE_CLIENT_SECRET", "s"),
                ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
            ])),
            [
                Source::Secret,
                Source::WorkloadIdentity,
                Source::ManagedIdentity,
                Source::AzureCli
            ]
        );
        // A secret without its tenant is not a service principal.
        assert_eq!(
            chain(&env(&[
                ("AZURE_CLIENT_ID", "c"),
                ("AZURE_CLIENT_SECRET", "s")
            ])),
            [Source::ManagedIdentity, Source::AzureCli]
        );
        assert_eq!(
            chain(&env(&[
                ("AZURE_TENANT_ID", "t"),
                ("AZURE_CLIENT_ID", "c"),
                ("AZURE_CLIENT_CERTIFICATE_PATH", "/k.pfx"),
            ]))[0],
            Source::Certificate
        );
    }
}
