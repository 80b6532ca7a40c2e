//! Region data, in one place: where AWS offers each managed rule the pack deploys, and the
//! partitions (names, DNS suffixes, consoles) regions belong to. Rule declarations and the
//! generator read these tables; nothing else lists regions.

/// The regions where AWS does not offer each managed rule the pack deploys: the
/// "Region Support" of each rule's page in the AWS Config Developer Guide
/// (`managed_rule_declarations_match_aws_managed_rule_list` checks each list against AWS's).
pub(crate) const MANAGED_RULES_UNAVAILABLE: &[(&str, &[&str])] = &[
    (
        "NEPTUNE_CLUSTER_CLOUDWATCH_LOG_EXPORT_ENABLED",
        MOST_NEPTUNE_RULES_UNAVAILABLE,
    ),
    (
        "NEPTUNE_CLUSTER_BACKUP_RETENTION_CHECK",
        MOST_NEPTUNE_RULES_UNAVAILABLE,
    ),
    (
        "NEPTUNE_CLUSTER_COPY_TAGS_TO_SNAPSHOT_ENABLED",
        MOST_NEPTUNE_RULES_UNAVAILABLE,
    ),
    ("NEPTUNE_CLUSTER_ENCRYPTED", MOST_NEPTUNE_RULES_UNAVAILABLE),
    (
        "NEPTUNE_CLUSTER_MULTI_AZ_ENABLED",
        MOST_NEPTUNE_RULES_UNAVAILABLE,
    ),
    (
        "NEPTUNE_CLUSTER_DELETION_PROTECTION_ENABLED",
        &[
            "ap-east-2",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-west-1",
            "cn-north-1",
            "eu-central-2",
            "eu-south-1",
            "eu-south-2",
            "mx-central-1",
            "us-gov-east-1",
            "us-gov-west-1",
        ],
    ),
    (
        "NEPTUNE_CLUSTER_SNAPSHOT_ENCRYPTED",
        &[
            "ap-east-2",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-west-1",
            "cn-north-1",
            "eu-central-2",
            "eu-south-1",
            "eu-south-2",
            "il-central-1",
            "mx-central-1",
            "us-gov-east-1",
            "us-gov-west-1",
        ],
    ),
    (
        "NEPTUNE_CLUSTER_SNAPSHOT_IAM_DATABASE_AUTH_ENABLED",
        &[
            "ap-east-2",
            "ap-south-2",
            "ap-southeast-6",
            "ap-southeast-7",
            "cn-north-1",
            "cn-northwest-1",
            "eu-central-2",
            "eu-south-1",
            "il-central-1",
            "mx-central-1",
            "us-gov-east-1",
            "us-gov-west-1",
        ],
    ),
    (
        "NEPTUNE_CLUSTER_SNAPSHOT_PUBLIC_PROHIBITED",
        &[
            "ap-east-2",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-west-1",
            "cn-north-1",
            "cn-northwest-1",
            "eu-central-2",
            "eu-south-1",
            "eu-south-2",
            "il-central-1",
            "mx-central-1",
            "us-gov-east-1",
            "us-gov-west-1",
        ],
    ),
];

/// The list most Neptune managed rules' pages share.
const MOST_NEPTUNE_RULES_UNAVAILABLE: &[&str] = &[
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "cn-north-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "mx-central-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// The regions where AWS does not offer the managed rule `identifier`. A const fn, so a
/// declaration naming a rule missing from [`MANAGED_RULES_UNAVAILABLE`] does not compile.
pub const fn unavailable_in(identifier: &str) -> &'static [&'static str] {
    let mut i = 0;
    while i < MANAGED_RULES_UNAVAILABLE.len() {
        let (name, regions) = MANAGED_RULES_UNAVAILABLE[i];
        if same(name, identifier) {
            return regions;
        }
        i += 1;
    }
    panic!("a managed rule without its regions in guardrails_core::regions")
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// An AWS partition as the partitions file the SDK embeds describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// The ARN partition (`aws`, `aws-cn`, …).
    pub name: &'static str,
    pub dns_suffix: &'static str,
    pub dual_stack_dns_suffix: &'static str,
    /// The console's host where AWS documents it ("AWS Management Console endpoints and
    /// quotas", Amazon Web Services in China, the AWS GovCloud (US) User Guide); `None`:
    /// the commercial console's `REGION.console.aws.amazon.com`.
    pub console: Option<&'static str>,
}

/// Partitions by region prefix (`name`, `dnsSuffix` and `dualStackDnsSuffix` of the SDK's
/// partitions file); any other region is in [`AWS`].
const PARTITIONS: &[(&str, Partition)] = &[
    (
        "us-gov-",
        partition(
            "aws-us-gov",
            "amazonaws.com",
            "api.aws",
            Some("console.amazonaws-us-gov.com"),
        ),
    ),
    (
        "us-isob-",
        partition("aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud", None),
    ),
    (
        "us-isof-",
        partition("aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov", None),
    ),
    (
        "us-iso-",
        partition("aws-iso", "c2s.ic.gov", "api.aws.ic.gov", None),
    ),
    (
        "eu-isoe-",
        partition(
            "aws-iso-e",
            "cloud.adc-e.uk",
            "api.cloud-aws.adc-e.uk",
            None,
        ),
    ),
    (
        "eusc-",
        partition("aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu", None),
    ),
    (
        "cn-",
        partition(
            "aws-cn",
            "amazonaws.com.cn",
            "api.amazonwebservices.com.cn",
            Some("console.amazonaws.cn"),
        ),
    ),
];

/// The commercial partition.
pub const AWS: Partition = partition("aws", "amazonaws.com", "api.aws", None);

const fn partition(
    name: &'static str,
    dns_suffix: &'static str,
    dual_stack_dns_suffix: &'static str,
    console: Option<&'static str>,
) -> Partition {
    Partition {
        name,
        dns_suffix,
        dual_stack_dns_suffix,
        console,
    }
}

/// The partition `region` belongs to.
pub fn partition_of(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or(AWS, |(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region_prefix() {
        let names = [
            ("us-east-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-east-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eusc-de-east-1", "aws-eusc"),
        ];
        for (region, name) in names {
            assert_eq!(partition_of(region).name, name, "{region}");
        }
        assert_eq!(
            partition_of("cn-northwest-1").dns_suffix,
            "amazonaws.com.cn"
        );
    }

    #[test]
    fn every_managed_rule_is_listed_once() {
        let mut names: Vec<_> = MANAGED_RULES_UNAVAILABLE.iter().map(|(n, _)| *n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), MANAGED_RULES_UNAVAILABLE.len());
        assert!(unavailable_in("NEPTUNE_CLUSTER_ENCRYPTED").contains(&"eu-south-1"));
    }
}
