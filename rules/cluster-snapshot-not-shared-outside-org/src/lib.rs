//! Rule `neptune-cluster-snapshot-not-shared-outside-org`: no manual Neptune cluster snapshot
//! may be restorable by an account outside the organization (or, for an account in no
//! organization, by any other account). Sharing by id looks safe in a field check; an id of
//! a vendor, a former subsidiary or a typo hands over the whole graph.

mod runbook;

use guardrails_aws::neptune::{is_neptune_engine, NeptuneClusters};
use guardrails_aws::organizations::{Membership, Organizations, READER_ROLE_VARIABLE};
use guardrails_aws::posture::{scan_snapshots, ClusterTags, Restore, Snapshots};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::{Compliance, Verdict};
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::rule::described;
use guardrails_core::verdicts::{not_neptune, verdict};
use guardrails_core::{ConfigurationItem, Params, Rule};

/// How many outside accounts an annotation names (AWS Config keeps 256 characters).
const NAMED_ACCOUNTS: usize = 4;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-snapshot-not-shared-outside-org",
    title: "Neptune DB cluster snapshots are not shared with accounts outside the organization",
    resource_types: &[ResourceType::RdsDbClusterSnapshot],
    // Periodic too: an account that leaves the organization changes no snapshot.
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[exemption::PARAMETER],
    severity: Severity::High,
    delivery: Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-UnshareSnapshotOutsideOrg",
        automatic: true,
        rationale: "no client of the graph reads a snapshot; only restores by accounts outside \
                    the organization stop, while its own accounts keep access",
    },
    permissions: &[
        "organizations:DescribeOrganization",
        "rds:DescribeDBClusterSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
        "rds:ListTagsForResource",
        "sts:AssumeRole",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-3", "AC-21", "SC-7"],
            source: "our mapping: the access-enforcement, information-sharing and boundary \
                     requirements Security Hub lists for Neptune.3 (public snapshots), applied \
                     to sharing beyond the organization",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["3.3"],
            source: "our mapping: safeguard 3.3 (Configure Data Access Control Lists)",
        },
    ],
    docs: "NON_COMPLIANT when a manual Neptune cluster snapshot's `restore` attribute names \
           an account outside the organization (read with ListAccounts through the \
           organization reader role `gen deploy` creates in the admin account), or, when the \
           account is in no organization, any other account. Sharing with `all` is \
           neptune-cluster-snapshot-not-public's finding, not this rule's. Automated \
           snapshots, other RDS engines and deleted snapshots are NOT_APPLICABLE, as is a \
           snapshot whose sharing or organization could not be read (with the reason).",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan. The organization
/// is read once a scan, and only when some snapshot is shared by id.
pub const RULE: RuleEntry = RuleEntry::lambda(&SPEC, runbook::runbook, |scope, params| {
    Box::pin(async move {
        let snapshots = Snapshots::of(scope).await?;
        let shared = snapshots.0.iter().find(|s| {
            is_neptune_engine(s.snapshot.engine()) && !shared_by_id(&s.restore).is_empty()
        });
        let membership = match shared {
            Some(s) => {
                let own = account_of(s.snapshot.db_cluster_snapshot_arn());
                Some(read_membership(&Organizations::new(&scope.sdk), &own).await)
            }
            None => None,
        };
        let mut assessed = scan_snapshots(scope, |s| {
            let name = s
                .snapshot
                .db_cluster_snapshot_identifier()
                .unwrap_or_default();
            let own = account_of(s.snapshot.db_cluster_snapshot_arn());
            evaluate(name, &own, &s.restore, membership.as_ref())
        })
        .await?;
        ClusterTags::exempt_failing(scope, params, &mut assessed).await;
        Ok(assessed)
    })
});

/// The membership as seen from `own`, through the reader role the environment names (else
/// the one in the management account); an error as its text.
async fn read_membership(organizations: &Organizations, own: &str) -> Result<Membership, String> {
    let role = std::env::var(READER_ROLE_VARIABLE)
        .ok()
        .filter(|r| !r.is_empty());
    (organizations.membership(own, role.as_deref()).await).map_err(|e| e.to_string())
}

/// The account that owns a resource, from its ARN (`arn:PARTITION:rds:REGION:ACCOUNT:…`).
fn account_of(arn: Option<&str>) -> String {
    arn.and_then(|arn| arn.split(':').nth(4))
        .unwrap_or_default()
        .to_string()
}

/// The accounts a snapshot is shared with by id (`all` is public, another rule's finding).
fn shared_by_id(restore: &Restore) -> Vec<&str> {
    match restore {
        Restore::Accounts(accounts) => accounts
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "all")
            .collect(),
        _ => Vec::new(),
    }
}

/// The verdict for one Neptune snapshot of account `own`, given who may restore it and the
/// membership (`None` when it was not read because nothing is shared by id).
pub fn evaluate(
    name: &str,
    own: &str,
    restore: &Restore,
    membership: Option<&Result<Membership, String>>,
) -> Verdict {
    let accounts = match restore {
        Restore::Automated => {
            return Verdict::new(
                Compliance::NotApplicable,
                "automated snapshots cannot be shared",
            )
        }
        Restore::Unread(reason) => {
            return Verdict::not_evaluated(format!(
                "the restore attribute of snapshot {name} could not be read: {reason}"
            ))
        }
        Restore::Accounts(_) => shared_by_id(restore),
    };
    if accounts.is_empty() {
        return verdict(
            true,
            format!("snapshot {name} is not shared with any account by id"),
        );
    }
    let membership = match membership {
        Some(Ok(membership)) => membership,
        Some(Err(err)) => {
            return Verdict::not_evaluated(format!(
                "snapshot {name} is shared by id; the organization's accounts could not be \
                 read: {err}"
            ))
        }
        None => {
            return Verdict::not_evaluated(format!(
                "snapshot {name} is shared by id, but the organization was not read"
            ))
        }
    };
    let outside: Vec<&str> = accounts
        .iter()
        .copied()
        .filter(|a| membership.is_outside(own, a))
        .collect();
    let inside = match membership {
        Membership::Alone => format!("account {own}, which is in no organization"),
        Membership::Organization { id, .. } => format!("organization {id}"),
    };
    if outside.is_empty() {
        return verdict(
            true,
            format!(
                "snapshot {name} is shared with {} account(s), all in {inside}",
                accounts.len()
            ),
        );
    }
    let mut named = outside[..outside.len().min(NAMED_ACCOUNTS)].join(", ");
    if outside.len() > NAMED_ACCOUNTS {
        named.push_str(&format!(" and {} more", outside.len() - NAMED_ACCOUNTS));
    }
    verdict(
        false,
        format!(
            "snapshot {name} can be restored by {} account(s) outside {inside}: {named} \
             (runbook {})",
            outside.len(),
            SPEC.remediation.runbook
        ),
    )
}

/// What the verdict needs of a snapshot that a configuration item names.
struct SnapshotFacts {
    identifier: String,
    own: String,
    engine: Option<String>,
    manual: bool,
}

pub struct SnapshotNotSharedOutsideOrg {
    neptune: NeptuneClusters,
    organizations: Organizations,
}

impl SnapshotNotSharedOutsideOrg {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        SnapshotNotSharedOutsideOrg {
            neptune: NeptuneClusters::new(sdk),
            organizations: Organizations::new(sdk),
        }
    }

    /// The item's facts, described afresh when it lacks the engine or the snapshot type.
    async fn facts(&self, item: &ConfigurationItem) -> Result<SnapshotFacts, Verdict> {
        let identifier = item
            .text(&["dBClusterSnapshotIdentifier"])
            .or_else(|| item.resource_name.clone())
            .unwrap_or_else(|| item.resource_id.clone());
        if let (Some(engine), Some(kind)) = (item.text(&["engine"]), item.text(&["snapshotType"])) {
            return Ok(SnapshotFacts {
                own: account_of(item.arn.as_deref()),
                identifier,
                engine: Some(engine),
                manual: kind == "manual",
            });
        }
        let what = format!("snapshot {identifier}");
        let snapshot = described(&what, self.neptune.db_cluster_snapshot(&identifier).await)?;
        Ok(SnapshotFacts {
            own: account_of(snapshot.db_cluster_snapshot_arn().or(item.arn.as_deref())),
            engine: snapshot.engine().map(str::to_string),
            manual: snapshot.snapshot_type() == Some("manual"),
            identifier,
        })
    }
}

impl Rule for SnapshotNotSharedOutsideOrg {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let facts = match self.facts(item).await {
            Ok(facts) => facts,
            Err(verdict) => return verdict,
        };
        if !is_neptune_engine(facts.engine.as_deref()) {
            return not_neptune(facts.engine.as_deref());
        }
        // The attribute is read afresh: AWS documents no configuration item field for it.
        let restore = if !facts.manual {
            Restore::Automated
        } else {
            match self.neptune.restore_accounts(&facts.identifier).await {
                Ok(accounts) => Restore::Accounts(accounts),
                Err(err) => Restore::Unread(err.to_string()),
            }
        };
        let membership = match shared_by_id(&restore).is_empty() {
            true => None,
            false => Some(read_membership(&self.organizations, &facts.own).await),
        };
        let verdict = evaluate(&facts.identifier, &facts.own, &restore, membership.as_ref());
        exemption::apply_to_item(params, &item.tags, verdict)
    }
}

#[cfg(test)]
mod tests;
