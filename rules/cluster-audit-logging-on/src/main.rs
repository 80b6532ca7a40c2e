//! Lambda entry point of the `neptune-cluster-audit-logging-on` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

guardrails_core::lambda_main!(neptune_cluster_audit_logging_on::ClusterAuditLoggingOn::new);
