//! The artifacts a deploy uploads: one Lambda zip per rule (`bootstrap` for
//! `provided.al2023`) and the member and conformance pack templates, each under a key that
//! holds its content hash, so an unchanged artifact keeps its key and a changed one gets a
//! new key (and only what uses it changes).

use std::path::{Path, PathBuf};

use guardrails_core::registry::RuleSpec;

use crate::packaging::lambda_zip;
use sha2::{Digest, Sha256};

/// One object for the artifact bucket of every target region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub key: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// First 16 hex digits of the SHA-256 of `bytes`: unique enough for keys, short to read.
fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a rule's `bootstrap` is expected: `DIR/RULE-ID/bootstrap`, the layout `gen package`
/// (and `cargo lambda build`) writes under `target/lambda`.
pub fn bootstrap_path(binaries: &Path, spec: &RuleSpec) -> PathBuf {
    binaries.join(spec.id).join("bootstrap")
}

/// The Lambda zip of `spec` from its built binary, keyed `lambda/RULE-ID/HASH.zip`.
pub fn rule_artifact(binaries: &Path, spec: &RuleSpec) -> Result<Artifact, String> {
    let path = bootstrap_path(binaries, spec);
    let binary = std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read {} ({e}); build the rule binaries first with \
             `gen package --architecture ARCH --out DIR`, or leave out --binaries and deploy \
             builds them",
            path.display()
        )
    })?;
    let bytes = lambda_zip(&binary)?;
    Ok(Artifact {
        key: format!("lambda/{}/{}.zip", spec.id, digest(&bytes)),
        bytes,
        content_type: "application/zip",
    })
}

/// A template keyed `templates/NAME-HASH.yaml`.
pub fn template_artifact(name: &str, text: &str) -> Artifact {
    Artifact {
        key: format!("templates/{name}-{}.yaml", digest(text.as_bytes())),
        bytes: text.as_bytes().to_vec(),
        content_type: "application/x-yaml",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_reproducible_and_hold_an_executable_bootstrap() {
        let first = lambda_zip(b"\x7fELF pretend").unwrap();
        assert_eq!(first, lambda_zip(b"\x7fELF pretend").unwrap());
        assert_ne!(first, lambda_zip(b"\x7fELF changed").unwrap());
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_name("bootstrap").unwrap();
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut body).unwrap();
        assert_eq!(body, b"\x7fELF pretend");
    }

    #[test]
    fn keys_change_exactly_when_content_does() {
        let a = template_artifact("member", "Resources: {}\n");
        assert_eq!(a.key, template_artifact("member", "Resources: {}\n").key);
        assert_ne!(
            a.key,
            template_artifact("member", "Resources: {A: 1}\n").key
        );
        assert!(a.key.starts_with("templates/member-") && a.key.ends_with(".yaml"));
        assert_eq!(a.key.len(), "templates/member-".len() + 16 + ".yaml".len());
    }

    #[test]
    fn a_missing_binary_says_how_to_build_it() {
        let err =
            rule_artifact(Path::new("/nonexistent"), &neptune_cluster_iam_auth::SPEC).unwrap_err();
        assert!(
            err.starts_with("cannot read /nonexistent/neptune-cluster-iam-auth/bootstrap")
                && err.contains("gen package --architecture ARCH --out DIR"),
            "{err}"
        );
    }
}
