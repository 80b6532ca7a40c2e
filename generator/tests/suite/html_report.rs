//! `gen scan --format html` in a real headless browser (Debian's chromium, through
//! `tests/report/browse_html.py`): the counts it shows against the same scan's JSON, the
//! filters, and a screenshot under the test's output for review.

use std::process::Command;

use guardrails_testkit::*;

const REGION: &str = "ap-southeast-2";

#[test]
fn the_html_report_shows_what_the_json_says_in_a_browser() {
    let emulator = &Emulator::start();
    emulator.seed(REGION, "estate");
    emulator.seed(REGION, "iam");
    let scan = |format: &str| {
        let out = run_gen(
            env!("CARGO_BIN_EXE_gen").as_ref(),
            Some((emulator, REGION)),
            &["scan", "--format", format],
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    let (page, rows, screenshot) = (
        dir.join("report.html"),
        dir.join("rows.json"),
        dir.join("report.png"),
    );
    std::fs::write(&rows, scan("json")).unwrap();
    std::fs::write(&page, scan("html")).unwrap();
    let _ = std::fs::remove_file(&screenshot);

    let out = Command::new(python())
        .arg(workspace_root().join("tests/report/browse_html.py"))
        .args([&page, &rows, &screenshot])
        .output()
        .expect("browse_html.py runs");
    let problems = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && problems.is_empty(),
        "{problems}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&screenshot).expect("the screenshot is saved");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    eprintln!("screenshot for review: {}", screenshot.display());
}
