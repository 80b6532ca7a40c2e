//! Analyzer throughput on one core: the labelled corpus (plain and URL-encoded) analyzed
//! over and over for a fixed time. Prints one JSON line and a readable line.
//!
//! `cargo bench -p guardrails-policy` (optionally `BENCH_SECONDS=N`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use guardrails_policy::{analyze_text, Context};

fn main() {
    let dir = guardrails_testkit::policy_corpus();
    let mut documents: Vec<String> = std::fs::read_dir(&dir)
        .expect("the corpus directory exists")
        .map(|entry| {
            std::fs::read_to_string(entry.expect("readable entry").path()).expect("readable file")
        })
        .collect();
    documents.sort();
    let bytes: usize = documents.iter().map(String::len).sum();
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let budget = Duration::from_secs_f64(seconds);
    let context = Context {
        include_admin: true,
        attached_to_user: true,
    };
    let start = Instant::now();
    let mut analyzed: u64 = 0;
    let mut non_compliant: u64 = 0;
    while start.elapsed() < budget {
        for text in &documents {
            if let Ok(analysis) = analyze_text(black_box(text), context) {
                non_compliant += u64::from(!analysis.findings.is_empty());
            }
        }
        analyzed += documents.len() as u64;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let per_second = analyzed as f64 / elapsed;
    println!(
        "{{\"bench\":\"analyzer_throughput\",\"documents\":{analyzed},\"seconds\":{elapsed:.3},\"documents_per_second\":{per_second:.0},\"corpus_files\":{},\"mean_bytes\":{},\"non_compliant\":{non_compliant}}}",
        documents.len(),
        bytes / documents.len()
    );
    println!(
        "analyzer: {per_second:.0} documents/s on one core ({analyzed} documents of the {}-file corpus in {elapsed:.2} s)",
        documents.len()
    );
}
