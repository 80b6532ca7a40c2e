//! The generator's integration tests as one test binary: one link instead of eight, and the
//! long tests of different areas (a rollout, the shipped zips) share the cores instead of
//! waiting for each other's binary to finish (docs/benchmarks.md has the measurement).

mod architecture;
mod bad_input;
mod check_template;
mod deploy;
mod faults;
mod html_report;
mod lint_policy;
mod package;
mod scan;
mod shift_left;
mod status;
mod synth;
mod three_paths;
