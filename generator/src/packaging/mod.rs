//! `gen package`: build every rule's `bootstrap` for the Lambda architecture with
//! cargo-zigbuild (PyPI `cargo-zigbuild`, which brings zig), linked against glibc 2.34 so
//! that `provided.al2023` (glibc 2.34) loads it, and write `DIR/RULE-ID/bootstrap` plus the
//! reproducible zip `gen deploy` uploads, `DIR/RULE-ID/lambda.zip`.

pub mod elf;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::catalog;
use crate::exit::{Exit, GenError};

/// A reproducible zip of one executable named `bootstrap`: fixed timestamp and permissions,
/// so the same binary always gives the same bytes and key.
pub fn lambda_zip(binary: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options)
        .and_then(|()| zip.write_all(binary).map_err(Into::into))
        .and_then(|()| zip.finish().map(|_| ()))
        .map_err(|e| format!("cannot zip bootstrap: {e}"))?;
    Ok(out.into_inner())
}

/// The newest glibc the Lambda `provided.al2023` runtime has.
pub const GLIBC_FLOOR: (u32, u32) = (2, 34);

#[derive(clap::Args, Debug, Clone)]
pub struct PackageArgs {
    /// CPU architecture of the rule Lambdas.
    #[arg(long, default_value = "arm64", value_parser = ["arm64", "x86_64"])]
    pub architecture: String,
    /// Where to write RULE-ID/bootstrap and RULE-ID/lambda.zip.
    #[arg(long, default_value = "target/lambda")]
    pub out: PathBuf,
}

/// The Rust target of a Lambda architecture.
fn target(architecture: &str) -> &'static str {
    match architecture {
        "x86_64" => "x86_64-unknown-linux-gnu",
        _ => "aarch64-unknown-linux-gnu",
    }
}

/// Whether rustc has the standard library of `target` (rustup installs it per target).
fn has_std(target: &str) -> Result<bool, String> {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args(["--print", "target-libdir", "--target", target])
        .output()
        .map_err(|e| format!("cannot run rustc ({e}); install Rust with rustup"))?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(out.status.success()
        && std::fs::read_dir(&dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
        }))
}

/// The cargo target directory cargo builds into (CARGO_TARGET_DIR or ./target).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// Build every rule for `architecture` and write the bootstraps and zips under `out`.
pub fn build(architecture: &str, out: &Path) -> Result<(), String> {
    let target = target(architecture);
    if !has_std(target)? {
        return Err(format!(
            "the Rust standard library for {target} is not installed, so {architecture} \
             Lambdas cannot be built here; run `rustup target add {target}` (it needs the \
             network once), or build --architecture x86_64"
        ));
    }
    let zigbuild = Command::new("cargo-zigbuild").arg("--version").output();
    if !zigbuild.is_ok_and(|o| o.status.success()) {
        return Err(
            "cargo-zigbuild is not installed; run `pip install cargo-zigbuild` \
                    (it brings zig, which links against glibc 2.34 for the Lambda runtime)"
                .into(),
        );
    }
    let mut command = Command::new("cargo");
    command.args([
        "zigbuild",
        "--release",
        "--locked",
        "--target",
        &format!("{target}.{}.{}", GLIBC_FLOOR.0, GLIBC_FLOOR.1),
    ]);
    for spec in catalog::LAMBDA_SPECS.iter() {
        command.args(["-p", spec.id, "--bin", spec.id]);
    }
    eprintln!(
        "gen package: building {} rules for {target}",
        catalog::LAMBDA_SPECS.len()
    );
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo zigbuild: {e}"))?;
    if !status.success() {
        return Err(format!("cargo zigbuild failed ({status})"));
    }
    let built = target_dir().join(target).join("release");
    for spec in catalog::LAMBDA_SPECS.iter() {
        let binary = std::fs::read(built.join(spec.id))
            .map_err(|e| format!("cannot read the built {}: {e}", spec.id))?;
        check_glibc(spec.id, &binary)?;
        let zip = lambda_zip(&binary)?;
        let dir = out.join(spec.id);
        std::fs::create_dir_all(&dir)
            .and_then(|()| write_executable(&dir.join("bootstrap"), &binary))
            .and_then(|()| std::fs::write(dir.join("lambda.zip"), zip))
            .map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    }
    Ok(())
}

fn write_executable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

/// Refuse a binary that needs a newer glibc than the Lambda runtime has.
fn check_glibc(rule: &str, binary: &[u8]) -> Result<(), String> {
    let versions = elf::glibc_versions(binary).map_err(|e| format!("{rule}: {e}"))?;
    match versions.last() {
        Some(&newest) if newest > GLIBC_FLOOR => Err(format!(
            "{rule} needs GLIBC_{}.{}, newer than the {}.{} of the Lambda runtime \
             provided.al2023; build it with cargo zigbuild (gen package does)",
            newest.0, newest.1, GLIBC_FLOOR.0, GLIBC_FLOOR.1
        )),
        _ => Ok(()),
    }
}

pub fn run(args: PackageArgs) -> Result<Exit, GenError> {
    build(&args.architecture, &args.out).map_err(GenError::Build)?;
    eprintln!(
        "gen package: wrote {} rules to {}",
        catalog::LAMBDA_SPECS.len(),
        args.out.display()
    );
    Ok(Exit::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_needing_a_newer_glibc_is_refused() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let newest = *elf::glibc_versions(&me).unwrap().last().unwrap();
        // This test binary is linked against the build machine's glibc; whatever it needs
        // is judged against the floor.
        assert_eq!(check_glibc("me", &me).is_ok(), newest <= GLIBC_FLOOR);
        assert!(check_glibc("script", b"#!/bin/sh\n").is_err());
    }

    #[test]
    fn a_missing_target_names_the_command_that_installs_it() {
        if has_std("aarch64-unknown-linux-gnu").unwrap() {
            return; // a machine with the arm64 standard library builds instead
        }
        let err = build("arm64", Path::new("/nonexistent")).unwrap_err();
        assert!(
            err.contains("`rustup target add aarch64-unknown-linux-gnu`"),
            "{err}"
        );
    }
}
