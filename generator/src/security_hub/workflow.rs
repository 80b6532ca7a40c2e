//! Waived failures in Security Hub: SUPPRESSED with the waiver as the note
//! (BatchUpdateFindings, which the account owner may call), and back to NEW when the waiver
//! no longer covers the failure. Only findings this tool suppressed are ever un-suppressed: a
//! person's suppression stays theirs.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingIdentifier, NoteUpdate, WorkflowStatus, WorkflowUpdate,
};
use guardrails_core::aws::error_text;
use guardrails_core::registry::RuleSpec;
use guardrails_core::Compliance;

use super::BATCH;
use crate::report::{asff, waiver_text};
use crate::row::Row;

/// The `Note.UpdatedBy` of our suppressions: how a later scan knows which ones are ours.
pub const SUPPRESSED_BY: &str = "neptune-guardrails --waivers";

/// One BatchUpdateFindings change: the findings, their new workflow status, and the note.
#[derive(Debug, PartialEq, Eq)]
pub struct Change {
    pub status: WorkflowStatus,
    pub note: String,
    pub finding_ids: Vec<String>,
}

/// Before the import: our suppressed findings that no waived failure of this scan stands
/// behind any more (the waiver expired or went, or the resource was fixed or is gone) go back
/// to NEW, since a SUPPRESSED finding "is no longer updated" and the import could not land.
pub fn unsuppress(
    rows: &[&Row],
    specs: &[&RuleSpec],
    active: &[AwsSecurityFinding],
) -> Option<Change> {
    let waived = waived_ids(rows, specs);
    let ids: Vec<String> = active
        .iter()
        .filter(|f| ours_suppressed(f))
        .filter_map(|f| f.id())
        .filter(|id| !waived.contains_key(*id))
        .map(str::to_string)
        .collect();
    (!ids.is_empty()).then(|| Change {
        status: WorkflowStatus::New,
        note: "the waiver no longer covers this failure".to_string(),
        finding_ids: ids,
    })
}

/// After the import: each waived failure not yet suppressed by us with its waiver's note,
/// grouped by note (one call carries one note).
pub fn suppress(rows: &[&Row], specs: &[&RuleSpec], active: &[AwsSecurityFinding]) -> Vec<Change> {
    let current: BTreeMap<&str, Option<&str>> = active
        .iter()
        .filter(|f| ours_suppressed(f))
        .filter_map(|f| Some((f.id()?, f.note().and_then(|n| n.text()))))
        .collect();
    let mut by_note: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, note) in waived_ids(rows, specs) {
        if current.get(id.as_str()) != Some(&Some(note.as_str())) {
            by_note.entry(note).or_default().push(id);
        }
    }
    by_note
        .into_iter()
        .map(|(note, finding_ids)| Change {
            status: WorkflowStatus::Suppressed,
            note,
            finding_ids,
        })
        .collect()
}

/// Finding id → note, of every waived NON_COMPLIANT row.
fn waived_ids(rows: &[&Row], specs: &[&RuleSpec]) -> BTreeMap<String, String> {
    rows.iter()
        .filter(|r| r.compliance == Compliance::NonCompliant)
        .filter_map(|r| {
            let waiver = r.waiver.as_ref()?;
            let spec = specs.iter().find(|s| s.id == r.rule)?;
            Some((
                asff::finding_id(spec, r),
                format!("waived: {}", waiver_text(waiver)),
            ))
        })
        .collect()
}

fn ours_suppressed(finding: &AwsSecurityFinding) -> bool {
    finding.workflow().and_then(|w| w.status()) == Some(&WorkflowStatus::Suppressed)
        && finding.note().and_then(|n| n.updated_by()) == Some(SUPPRESSED_BY)
}

/// Apply `change` to the findings of our product `product_arn`, 100 a call; the findings
/// not updated, with the reason.
pub async fn apply(
    client: &aws_sdk_securityhub::Client,
    product_arn: &str,
    change: &Change,
) -> Vec<(String, String)> {
    let mut failed = Vec::new();
    for ids in change.finding_ids.chunks(BATCH) {
        let identifiers = ids.iter().map(|id| {
            AwsSecurityFindingIdentifier::builder()
                .id(id)
                .product_arn(product_arn)
                .build()
        });
        let note = NoteUpdate::builder()
            .text(&change.note)
            .updated_by(SUPPRESSED_BY)
            .build();
        let sent = client
            .batch_update_findings()
            .set_finding_identifiers(Some(identifiers.collect()))
            .note(note)
            .workflow(
                WorkflowUpdate::builder()
                    .status(change.status.clone())
                    .build(),
            )
            .send()
            .await;
        match sent {
            Ok(output) => failed.extend(output.unprocessed_findings().iter().map(|u| {
                (
                    u.finding_identifier()
                        .and_then(|f| f.id())
                        .unwrap_or_default()
                        .to_string(),
                    format!(
                        "{}: {}",
                        u.error_code().unwrap_or("error"),
                        u.error_message().unwrap_or("no reason given")
                    ),
                )
            })),
            Err(err) => {
                let reason = format!("BatchUpdateFindings failed: {}", error_text(&err));
                failed.extend(ids.iter().map(|id| (id.clone(), reason.clone())));
            }
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row;
    use crate::row::AppliedWaiver;
    use aws_sdk_securityhub::types::{Note, Workflow};

    const RULE: &str = "neptune-cluster-iam-auth";

    fn waived(id: &str) -> Row {
        Row {
            waiver: Some(AppliedWaiver {
                reason: "migration".into(),
                approved_by: "alice".into(),
                expires: "2099-01-01".into(),
            }),
            ..test_row(RULE, id, Compliance::NonCompliant, "off")
        }
    }

    fn active(row: &Row, suppressed_by: Option<(&str, &str)>) -> AwsSecurityFinding {
        let specs = crate::catalog::SPECS.to_vec();
        let mut finding = asff::finding(&specs, row, "2026-12-01T00:00:00Z", asff::Status::Failed)
            .unwrap()
            .to_sdk();
        if let Some((by, text)) = suppressed_by {
            finding.workflow = Some(
                Workflow::builder()
                    .status(WorkflowStatus::Suppressed)
                    .build(),
            );
            finding.note = Some(
                Note::builder()
                    .text(text)
                    .updated_by(by)
                    .updated_at("2026-12-01T00:00:00Z")
                    .build(),
            );
        }
        finding
    }

    #[test]
    fn only_our_suppressions_are_lifted_and_only_changed_ones_sent() {
        let specs = crate::catalog::SPECS.to_vec();
        let note = "waived: migration (approved by alice, until 2099-01-01)";
        let still = waived("still");
        let fresh = waived("fresh");
        let expired = test_row(RULE, "expired", Compliance::NonCompliant, "off");
        let human = test_row(RULE, "human", Compliance::NonCompliant, "off");
        let rows = [&still, &fresh, &expired, &human];
        let found = [
            active(&still, Some((SUPPRESSED_BY, note))),
            active(&expired, Some((SUPPRESSED_BY, note))),
            active(&human, Some(("alice", "accepted by hand"))),
        ];
        let spec = crate::catalog::rule(RULE).unwrap().spec;
        let lifted = unsuppress(&rows, &specs, &found).unwrap();
        assert_eq!(lifted.status, WorkflowStatus::New);
        assert_eq!(lifted.finding_ids, [asff::finding_id(spec, &expired)]);
        let suppressed = suppress(&rows, &specs, &found);
        assert_eq!(suppressed.len(), 1);
        assert_eq!(suppressed[0].note, note);
        assert_eq!(suppressed[0].finding_ids, [asff::finding_id(spec, &fresh)]);
    }
}
