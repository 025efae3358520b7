//! `permgap.toml`: the CI gate's thresholds, the audit window, identities
//! to ignore and suppressions of single findings. Parsed strictly: an
//! unknown key, a finding ID the registry lacks, a bad glob or date is an
//! error that names the file, the line and the key.
//!
//! [`TEMPLATE`] is the annotated file `permgap init` writes, and the
//! defaults when no file is given are that template's values (a test keeps
//! the two one thing).

use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use crate::analysis::findings;

/// The annotated configuration `permgap init` writes; its values are the
/// defaults.
pub const TEMPLATE: &str = include_str!("config/permgap.toml");

/// The default file name, looked for in the current directory.
pub const FILE_NAME: &str = "permgap.toml";

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

/// A configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from: a path, or "built-in defaults".
    pub origin: String,
    pub window_days: Option<u32>,
    pub fail_on_partial: bool,
    pub thresholds: Thresholds,
    pub systems: Vec<SystemThresholds>,
    pub ignore: Vec<Pattern>,
    pub suppressions: Vec<Suppression>,
}

/// The thresholds of a system. `None` is off.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default, deserialize_with = "pci")]
    pub max_identity_pci: Option<u8>,
    #[serde(default, deserialize_with = "pci")]
    pub max_system_pci: Option<u8>,
    pub max_unused_high_risk: Option<usize>,
    #[serde(default, deserialize_with = "ratio")]
    pub max_identity_gap_ratio: Option<f64>,
    #[serde(default, deserialize_with = "ratio")]
    pub max_system_gap_ratio: Option<f64>,
    pub no_new_super_identity: Option<bool>,
    #[serde(default)]
    pub max_findings: MaxFindings,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxFindings {
    pub high: Option<usize>,
    pub medium: Option<usize>,
    pub low: Option<usize>,
}

impl Thresholds {
    /// `self`, with every threshold that `over` sets replaced by its value.
    pub fn overlaid(&self, over: &Thresholds) -> Thresholds {
        Thresholds {
            max_identity_pci: over.max_identity_pci.or(self.max_identity_pci),
            max_system_pci: over.max_system_pci.or(self.max_system_pci),
            max_unused_high_risk: over.max_unused_high_risk.or(self.max_unused_high_risk),
            max_identity_gap_ratio: over.max_identity_gap_ratio.or(self.max_identity_gap_ratio),
            max_system_gap_ratio: over.max_system_gap_ratio.or(self.max_system_gap_ratio),
            no_new_super_identity: over.no_new_super_identity.or(self.no_new_super_identity),
            max_findings: MaxFindings {
                high: over.max_findings.high.or(self.max_findings.high),
                medium: over.max_findings.medium.or(self.max_findings.medium),
                low: over.max_findings.low.or(self.max_findings.low),
            },
        }
    }
}

/// A glob over IDs or names, with the text it was written as.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, globset::Error> {
        Ok(Pattern {
            text: text.to_string(),
            matcher: Glob::new(text)?.compile_matcher(),
        })
    }

    pub fn matches(&self, s: &str) -> bool {
        self.text == s || self.matcher.is_match(s)
    }
}

#[derive(Debug, Clone)]
pub struct SystemThresholds {
    pub pattern: Pattern,
    pub thresholds: Thresholds,
}

/// One finding of the identities a pattern matches, accepted for a reason.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The finding ID (checked against the registry).
    pub finding: String,
    /// Matched against an identity's ID or name.
    pub identity: Pattern,
    /// Matched against the identity's system ID; any system when absent.
    pub system: Option<Pattern>,
    pub reason: String,
    /// The last day it holds (inclusive, UTC).
    pub expires: Option<jiff::civil::Date>,
    /// The line of its `[[suppress]]` table, for messages.
    pub line: usize,
}

impl Suppression {
    /// How a report names it: `permgap.toml:31 (super-identity for BreakGlass*)`.
    pub fn label(&self, origin: &str) -> String {
        format!(
            "{origin}:{} ({} for {})",
            self.line, self.finding, self.identity.text
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    audit: RawAudit,
    #[serde(default)]
    gate: RawGate,
    #[serde(default)]
    thresholds: Thresholds,
    #[serde(default)]
    systems: Vec<RawSystem>,
    #[serde(default)]
    ignore: RawIgnore,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppression>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    #[serde(default, deserialize_with = "days")]
    window_days: Option<u32>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    fail_on_partial: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSystem {
    #[serde(rename = "match")]
    pattern: Pattern,
    thresholds: Thresholds,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    #[serde(default)]
    identities: Vec<Pattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    #[serde(deserialize_with = "finding_id")]
    finding: String,
    identity: Pattern,
    system: Option<Pattern>,
    #[serde(deserialize_with = "reason")]
    reason: String,
    #[serde(default, deserialize_with = "date")]
    expires: Option<jiff::civil::Date>,
}

use serde::de::{Deserializer, Error as _};

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Pattern::new(&s).map_err(|e| D::Error::custom(format!("{s:?} is not a glob: {e}")))
    }
}

fn days<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let n = u32::deserialize(d)?;
    if (1..=3650).contains(&n) {
        Ok(Some(n))
    } else {
        Err(D::Error::custom(format!(
            "{n} is not a number of days between 1 and 3650"
        )))
    }
}

fn pci<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    match u8::deserialize(d)? {
        n @ 0..=100 => Ok(Some(n)),
        n => Err(D::Error::custom(format!("{n}: a PCI is between 0 and 100"))),
    }
}

fn ratio<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let x = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&x) {
        Ok(Some(x))
    } else {
        Err(D::Error::custom(format!(
            "{x}: a gap ratio (unused / observable granted) is between 0.0 and 1.0"
        )))
    }
}

fn finding_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    match findings::by_id(&s) {
        Some(_) => Ok(s),
        None => Err(D::Error::custom(format!(
            "unknown finding ID {s:?}; `permgap explain` lists them"
        ))),
    }
}

fn reason<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    match s.trim() {
        "" => Err(D::Error::custom(
            "a suppression needs a reason: say why the finding is accepted",
        )),
        t => Ok(t.to_string()),
    }
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<jiff::civil::Date>, D::Error> {
    let s = String::deserialize(d)?;
    s.parse()
        .map(Some)
        .map_err(|e| D::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted key written on a line: its table's header and the name left
/// of `=` (`gate.fail_on_partial`, `suppress[1].finding`).
fn key_at(text: &str, line: usize) -> String {
    let mut table = String::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for l in text.lines().take(line.saturating_sub(1)) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let n = index.entry(name.trim().to_string()).or_insert(usize::MAX);
            *n = n.wrapping_add(1);
            table = format!("{}[{n}]", name.trim());
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            // A sub-table of an array entry stays under it.
            let name = name.trim();
            table = match table.split_once('[') {
                Some((arr, _)) if name.starts_with(&format!("{arr}.")) => {
                    format!("{table}{}", &name[arr.len()..])
                }
                _ => name.to_string(),
            };
        }
    }
    let here = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let lhs = here.split('=').next().unwrap_or("").trim();
    match (table.is_empty(), lhs.is_empty() || lhs.starts_with('[')) {
        (_, true) if !table.is_empty() => table,
        (true, _) => lhs.to_string(),
        (false, _) => format!("{table}.{lhs}"),
    }
}

impl Config {
    /// The built-in defaults: the values of [`TEMPLATE`].
    pub fn defaults() -> Config {
        // The template is tested to parse; a failure here is a build defect.
        let mut c = Config::parse(TEMPLATE, "built-in defaults").unwrap_or_else(|e| {
            unreachable!("the built-in permgap.toml template does not parse: {e}")
        });
        c.origin = "built-in defaults".into();
        c
    }

    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read the configuration {}: {e} (write one with `permgap init`)",
                path.display()
            )
        })?;
        Ok(Config::parse(&text, &path.display().to_string())?)
    }

    /// Parses and validates the text of a `permgap.toml` named `file`.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = line_of(text, e.span().map_or(0, |s| s.start));
            ConfigError {
                file: file.to_string(),
                line,
                key: key_at(text, line),
                message: e.message().trim().to_string(),
            }
        })?;
        Ok(Config {
            origin: file.to_string(),
            window_days: raw.audit.window_days,
            fail_on_partial: raw.gate.fail_on_partial.unwrap_or(true),
            thresholds: raw.thresholds,
            systems: raw
                .systems
                .into_iter()
                .map(|s| SystemThresholds {
                    pattern: s.pattern,
                    thresholds: s.thresholds,
                })
                .collect(),
            ignore: raw.ignore.identities,
            suppressions: raw
                .suppress
                .into_iter()
                .map(|s| {
                    let line = line_of(text, s.span().start);
                    let s = s.into_inner();
                    Suppression {
                        finding: s.finding,
                        identity: s.identity,
                        system: s.system,
                        reason: s.reason,
                        expires: s.expires,
                        line,
                    }
                })
                .collect(),
        })
    }

    /// The thresholds of a system: the first `[[systems]]` entry that
    /// matches its ID laid over `[thresholds]`.
    pub fn thresholds_for(&self, system: &str) -> Thresholds {
        match self.systems.iter().find(|s| s.pattern.matches(system)) {
            Some(s) => self.thresholds.overlaid(&s.thresholds),
            None => self.thresholds.clone(),
        }
    }

    /// Whether an identity is left out of the audit.
    pub fn ignores(&self, id: &str, name: &str) -> bool {
        self.ignore.iter().any(|p| p.matches(id) || p.matches(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_and_is_the_default() {
        let c = Config::parse(TEMPLATE, "permgap.toml").expect("template");
        let d = Config::defaults();
        assert_eq!(c.thresholds, d.thresholds);
        assert_eq!(d.thresholds.max_findings.high, Some(0));
        assert_eq!(d.thresholds.no_new_super_identity, Some(true));
        assert!(d.fail_on_partial);
        assert_eq!(d.window_days, Some(90));
        assert!(d.suppressions.is_empty() && d.ignore.is_empty() && d.systems.is_empty());
    }

    fn parse_err(text: &str) -> ConfigError {
        match Config::parse(text, "p.toml") {
            Ok(c) => panic!("parsed: {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e = parse_err("[thresholds]\nmax_identity_pci = 50\nmax_pci = 3\n");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().contains("max_pci"), "{e}");
        assert!(e.to_string().starts_with("p.toml:3:"), "{e}");
    }

    #[test]
    fn a_wrong_type_is_named_with_its_line() {
        let e = parse_err("[gate]\n\nfail_on_partial = \"yes\"\n");
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn an_unknown_finding_id_is_refused() {
        let e = parse_err(
            "[[suppress]]\nfinding = \"supr-identity\"\nidentity = \"x\"\nreason = \"r\"\n",
        );
        assert_eq!((e.line, e.key.as_str()), (2, "suppress[0].finding"), "{e}");
        assert!(e.message.contains("supr-identity"));
    }

    #[test]
    fn a_suppression_needs_a_reason_and_a_real_date() {
        let e = parse_err(
            "[[suppress]]\nfinding = \"super-identity\"\nidentity = \"x\"\nreason = \" \"\n",
        );
        assert_eq!(e.key, "suppress[0].reason");
        let e = parse_err(
            "[[suppress]]\nfinding = \"super-identity\"\nidentity = \"x\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n",
        );
        assert_eq!((e.line, e.key.as_str()), (5, "suppress[0].expires"), "{e}");
        let e = parse_err("[[suppress]]\nfinding = \"super-identity\"\nidentity = \"x\"\n");
        assert!(e.message.contains("reason"), "{e}");
    }

    #[test]
    fn bad_globs_and_ranges_are_refused() {
        let e = parse_err("[ignore]\nidentities = [\"a[\"]\n");
        assert_eq!((e.line, e.key.as_str()), (2, "ignore.identities"), "{e}");
        let e = parse_err("[thresholds]\nmax_system_gap_ratio = 1.5\n");
        assert_eq!(e.key, "thresholds.max_system_gap_ratio");
        let e = parse_err(
            "[[systems]]\nmatch = \"1*\"\n[systems.thresholds]\nmax_findings = { high = 1 }\n\
             [[systems]]\nmatch = \"2*\"\n[systems.thresholds]\nmax_identity_pci = 101\n",
        );
        assert_eq!(
            (e.line, e.key.as_str()),
            (8, "systems[1].thresholds.max_identity_pci"),
            "{e}"
        );
        let e = parse_err("[audit]\nwindow_days = 0\n");
        assert_eq!(e.key, "audit.window_days");
    }

    #[test]
    fn system_thresholds_overlay_the_defaults_first_match_wins() {
        let c = Config::parse(
            "[thresholds]\nmax_identity_pci = 50\nmax_findings = { high = 0, medium = 5 }\n\
             [[systems]]\nmatch = \"acme-*\"\nthresholds = { max_identity_pci = 90, max_findings = { high = 2 } }\n\
             [[systems]]\nmatch = \"acme-prod\"\nthresholds = { max_identity_pci = 10 }\n",
            "p.toml",
        )
        .expect("parse");
        let t = c.thresholds_for("acme-prod");
        assert_eq!(t.max_identity_pci, Some(90));
        assert_eq!(t.max_findings.high, Some(2));
        assert_eq!(t.max_findings.medium, Some(5));
        assert_eq!(c.thresholds_for("111122223333").max_identity_pci, Some(50));
    }

    #[test]
    fn ignore_matches_ids_and_names_by_glob() {
        let c = Config::parse(
            "[ignore]\nidentities = [\"arn:aws:iam::*:role/aws-service-role/*\", \"ci-*\"]\n",
            "p.toml",
        )
        .expect("parse");
        assert!(c.ignores(
            "arn:aws:iam::1:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
            "AWSServiceRoleForSupport"
        ));
        assert!(c.ignores("arn:aws:iam::1:user/ci-deploy", "ci-deploy"));
        assert!(!c.ignores("arn:aws:iam::1:user/alice", "alice"));
    }
}
