//! Where check-template runs: the hooks of .pre-commit-hooks.yaml through pre-commit itself
//! (`pre-commit try-repo` on this repository, as a user's repository would use it), and the
//! GitHub Action of action.yml through tests/action/run_action.py (its steps as the Actions
//! runner runs them; the upload to code scanning recorded, not sent).

use std::path::{Path, PathBuf};
use std::process::Command;

use guardrails_testkit::*;
use serde_json::Value;

/// PATH with `gen` first, as a user who installed it has.
fn path_with_gen() -> String {
    let gen_dir = Path::new(env!("CARGO_BIN_EXE_gen")).parent().unwrap();
    format!(
        "{}:{}",
        gen_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn corpus(file: &str) -> PathBuf {
    workspace_root()
        .join("tests/templates/cloudformation")
        .join(file)
}

/// A git repository holding `files` (name, contents), as a user's is.
fn user_repository(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = fresh_dir(name);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    for (file, contents) in files {
        std::fs::write(dir.join(file), contents).unwrap();
    }
    git(&["add", "."]);
    dir
}

/// `pre-commit try-repo WORKSPACE HOOK --files FILES…` in `repo`: exit code and output.
fn pre_commit(repo: &Path, hook: &str, files: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(python())
        .args(["-m", "pre_commit", "try-repo"])
        .arg(workspace_root())
        .arg(hook)
        .arg("--files")
        .args(files)
        .current_dir(repo)
        .env("PATH", path_with_gen())
        .env("PRE_COMMIT_HOME", repo.join(".pre-commit-home"))
        .output()
        .expect("pre-commit runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[test]
fn the_pre_commit_hooks_fail_a_commit_with_findings_and_pass_a_clean_one() {
    let read = |file: &str| std::fs::read_to_string(corpus(file)).unwrap();
    let repo = user_repository(
        "pre-commit-user",
        &[
            ("bare.yaml", read("cluster-defaults.yaml")),
            ("hardened.yaml", read("cluster-hardened.yaml")),
            // A stream of several YAML documents is no template: skipped, not an error.
            (
                "deployment.yaml",
                "kind: Service\n---\nkind: Deployment\n".into(),
            ),
            (
                "wide.policy.json",
                std::fs::read_to_string(
                    workspace_root().join("tests/policies/corpus/connect-uppercase.json"),
                )
                .unwrap(),
            ),
        ],
    );
    let (code, text) = pre_commit(
        &repo,
        "neptune-check-template",
        &["bare.yaml", "hardened.yaml", "deployment.yaml"],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("NON_COMPLIANT   neptune-cluster-iam-auth                   BareGraph (AWS::Neptune::DBCluster) at bare.yaml:5"), "{text}");
    assert!(text.contains("Failed"), "{text}");
    let (code, text) = pre_commit(
        &repo,
        "neptune-check-template",
        &["hardened.yaml", "deployment.yaml"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Passed"), "{text}");

    let (code, text) = pre_commit(&repo, "neptune-lint-policy", &["wide.policy.json"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("wide.policy.json"), "{text}");
    // The hook's own file pattern leaves other JSON alone.
    let (code, text) = pre_commit(&repo, "neptune-lint-policy", &["deployment.yaml"]);
    assert_eq!(code, Some(0), "{text}");
}

/// The action run on `workspace` with `inputs`: its JSON record.
fn run_action(workspace: &Path, inputs: &[&str]) -> Value {
    let mut command = Command::new(python());
    command
        .arg(workspace_root().join("tests/action/run_action.py"))
        .arg(workspace_root())
        .arg(workspace)
        .env("PATH", path_with_gen());
    for input in inputs {
        command.args(["--input", input]);
    }
    let out = command.output().expect("run_action.py runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("run_action.py prints JSON")
}

fn step<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {run}"))
}

#[test]
fn the_action_uploads_located_sarif_and_fails_on_findings() {
    let workspace = fresh_dir("action-user");
    let templates = workspace.join("infra");
    std::fs::create_dir_all(&templates).unwrap();
    for file in ["cluster-defaults.yaml", "cluster-hardened.yaml"] {
        std::fs::copy(corpus(file), templates.join(file)).unwrap();
    }
    let run = run_action(&workspace, &["paths=infra"]);
    assert_eq!(run["failed"], true, "findings fail the job: {run}");
    assert_eq!(run["outputs"]["exit-code"], "1");
    assert_eq!(step(&run, "Verdict")["outcome"], "failure");
    let upload = step(&run, "Upload to code scanning");
    assert_eq!(upload["uses"], "github/codeql-action/upload-sarif@v3");
    let sarif_file = workspace.join(upload["with"]["sarif_file"].as_str().unwrap());
    let sarif = std::fs::read_to_string(&sarif_file).unwrap();
    assert_eq!(
        sarif_violations(&sarif),
        "",
        "against the official 2.1.0 schema"
    );
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        6,
        "the six failing settings of the bare cluster"
    );
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"], "infra/cluster-defaults.yaml",
            "relative to the repository, as code scanning needs"
        );
        assert_eq!(location["region"]["startLine"], 5);
    }
    // The table goes to the job's log.
    assert!(step(&run, "Check templates")["stdout"]
        .as_str()
        .unwrap()
        .contains("at infra/cluster-defaults.yaml:5"));

    let tolerant = run_action(
        &workspace,
        &[
            "paths=infra",
            "fail-on-findings=false",
            "upload=false",
            "params=neptune-cluster-backup-retention.minimumBackupRetentionPeriod=30",
        ],
    );
    assert_eq!(tolerant["failed"], false, "{tolerant}");
    assert_eq!(
        step(&tolerant, "Upload to code scanning")["outcome"],
        "skipped"
    );
    let sarif = std::fs::read_to_string(workspace.join("neptune-guardrails.sarif")).unwrap();
    assert_eq!(
        sarif
            .matches("\"ruleId\": \"neptune-cluster-backup-retention\"")
            .count(),
        2,
        "the parameter reaches gen: 14 days is now too few as well"
    );

    std::fs::write(templates.join("broken.yaml"), "Resources: [").unwrap();
    let broken = run_action(&workspace, &["paths=infra"]);
    assert_eq!(broken["failed"], true);
    assert_eq!(broken["outputs"]["exit-code"], "2");
    assert_eq!(step(&broken, "Check templates")["outcome"], "failure");
    assert_eq!(
        step(&broken, "Upload to code scanning")["outcome"],
        "skipped"
    );
}
