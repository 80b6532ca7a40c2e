//! `gen package`: the x86_64 package built with cargo-zigbuild as it ships. Each rule's
//! `bootstrap` is taken out of the zip deploy would upload and run through the Lambda
//! Runtime API against the emulator; every bootstrap needs at most glibc 2.34 (the Lambda
//! runtime `provided.al2023`); and a second build gives byte-identical zips.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use guardrails_testkit::*;

const REGION: &str = "eu-west-1";

/// The venv `scripts/setup` installs cargo-zigbuild and zig into (outside the checkout).
fn zig_venv() -> PathBuf {
    std::env::var_os("GUARDRAILS_ZIG_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache")
                });
            cache.join("neptune-guardrails/zig-venv")
        })
}

fn package(out: &Path) {
    let path = format!(
        "{}:{}",
        zig_venv().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let result = Command::new(env!("CARGO_BIN_EXE_gen"))
        .args(["package", "--architecture", "x86_64", "--out"])
        .arg(out)
        .current_dir(workspace_root())
        .env("PATH", path)
        .output()
        .expect("gen runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

fn zip_of(out: &Path, rule: &str) -> Vec<u8> {
    std::fs::read(out.join(rule).join("lambda.zip")).expect("the package holds the zip")
}

/// The `bootstrap` inside a Lambda zip, written out as an executable.
fn bootstrap_from(zip: &[u8], to: &Path) -> PathBuf {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut entry = archive.by_name("bootstrap").expect("bootstrap in the zip");
    assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    std::fs::write(to, &bytes).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    to.to_path_buf()
}

#[test]
fn the_shipped_zips_run_through_the_runtime_api_and_rebuild_identically() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("package");
    let _ = std::fs::remove_dir_all(&dir);
    let (first, second) = (dir.join("first"), dir.join("second"));
    package(&first);
    let rules = lambda_ids(env!("CARGO_BIN_EXE_gen").as_ref());

    for rule in &rules {
        let bootstrap = bootstrap_from(&zip_of(&first, rule), &dir.join(format!("{rule}.bin")));
        let needs = readelf_glibc_versions(&bootstrap).expect("readelf (binutils) runs");
        assert!(!needs.is_empty(), "{rule} is dynamically linked to glibc");
        assert!(
            needs.iter().all(|v| *v <= (2, 34)),
            "{rule} needs {needs:?}: newer than provided.al2023's glibc 2.34"
        );
        // The world each rule's own Lambda test evaluates, and a per-resource read whose
        // failure leaves some resources unread.
        let (world, per_resource_read) = match rule.as_str() {
            "neptune-fgac-policy-hygiene" => ("iam", "GetPolicyVersion"),
            "neptune-sts-vpc-endpoint" => ("chaining", "DescribeVpcEndpoints"),
            "neptune-cluster-network-exposure" => ("posture", "DescribeRouteTables"),
            "neptune-cluster-audit-logging-on" => ("audit-logging", "DescribeDBClusterParameters"),
            // Its snapshots, one shared by id outside this account's (no) organization.
            "neptune-cluster-snapshot-not-shared-outside-org" => {
                ("posture", "DescribeDBClusterSnapshotAttributes")
            }
            // The target clusters of the endpoints' cross-check.
            "neptune-dms-endpoint-iam-auth" => ("estate", "DescribeDBClusters"),
            // A scheduled run reads nothing per cluster: a describe of a change event
            // (its own Lambda test faults that one).
            _ => ("estate", ""),
        };
        let emulator = Emulator::start();
        let world = emulator.seed(REGION, world);
        let run = |token: &str| {
            let run = run_lambda(
                &bootstrap,
                &emulator,
                REGION,
                vec![(token, scheduled_event(rule, token))],
            );
            assert_eq!(run.outcomes.len(), 1, "{rule}: {:#?}", run.outcomes);
            match &run.outcomes[0] {
                Outcome::Response { body, .. } => (run.logged_pairs(), body.clone()),
                other => panic!("{rule} {token}: {other:?}"),
            }
        };
        let (logged, _) = run("t-first");
        let mut expected = world.expected_for(rule);
        expected.sort();
        assert!(!expected.is_empty(), "{rule}");
        assert_eq!(logged, expected, "{rule}");
        let mut sent = emulator.verdict_pairs("t-first");
        sent.sort();
        assert_eq!(sent, world.expected_sent_for(rule), "{rule}");
        let recorded = emulator.recorded_results(REGION, rule);

        // Unchanged, against an emulator that never returns NOT_APPLICABLE results: nothing
        // sent, one empty PutEvaluations.
        let before = emulator.calls();
        let (_, steady) = run("t-steady");
        assert_eq!(
            (
                steady["sent"].as_u64(),
                steady["put_evaluations_calls"].as_u64()
            ),
            (Some(0), Some(1)),
            "{rule}: {steady}"
        );
        assert_eq!(
            emulator.calls_since(&before).get("config:PutEvaluations"),
            Some(&1),
            "{rule}"
        );

        // A per-resource read fails: whatever Config held stands.
        if !per_resource_read.is_empty() {
            emulator.inject_faults_where(
                1.0,
                5,
                &format!("actions={per_resource_read}&kinds=access-denied"),
            );
            let (_, faulted) = run("t-faulted");
            emulator.inject_faults(0.0, 0);
            assert!(
                faulted["not_evaluated"].as_u64() > Some(0),
                "{rule}: the fault reached no resource: {faulted}"
            );
            assert!(faulted["kept"].as_u64() > Some(0), "{rule}: {faulted}");
            assert_eq!(
                emulator.recorded_results(REGION, rule),
                recorded,
                "{rule}: {faulted}"
            );
        }
    }

    // A second build from scratch of the rule crates gives the same bytes.
    let status = Command::new("cargo")
        .args(["clean", "--release", "--target", "x86_64-unknown-linux-gnu"])
        .args(rules.iter().flat_map(|r| ["-p", r.as_str()]))
        .current_dir(workspace_root())
        .status()
        .expect("cargo clean runs");
    assert!(status.success());
    package(&second);
    for rule in &rules {
        assert!(
            zip_of(&first, rule) == zip_of(&second, rule),
            "{rule}: the zips of two builds differ"
        );
    }
}
