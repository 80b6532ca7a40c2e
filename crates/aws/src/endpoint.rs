//! EC2's and CloudWatch's endpoints, resolved as their endpoint rule sets do (the partition
//! of the region, FIPS and dual-stack variants, a custom endpoint taken as given). The 54
//! test cases generated from EC2's rule set are checked in `tests/ec2_endpoints.rs`.

/// `https://{service}[-fips].{region}.{suffix}`, the suffix of the region's partition (its
/// dual-stack one with `dual_stack`): the shape every endpoint rule set here resolves to.
/// `fips` says whether the rule set sends this region to the FIPS host.
fn regional(
    service: &str,
    region: Option<&str>,
    fips: impl FnOnce(&str) -> bool,
    dual_stack: bool,
) -> Result<String, String> {
    let region = region
        .filter(|r| !r.is_empty())
        .ok_or("Invalid Configuration: Missing Region")?;
    let partition = guardrails_core::regions::partition_of(region);
    let suffix = if dual_stack {
        partition.dual_stack_dns_suffix
    } else {
        partition.dns_suffix
    };
    let host = if fips(region) {
        format!("{service}-fips")
    } else {
        service.to_string()
    };
    Ok(format!("https://{host}.{region}.{suffix}"))
}

/// The regional EC2 endpoint.
pub fn ec2(region: Option<&str>, fips: bool, dual_stack: bool) -> Result<String, String> {
    // GovCloud's regular endpoints are already FIPS endpoints; the rule set sends FIPS there.
    regional(
        "ec2",
        region,
        |region| fips && (dual_stack || !region.starts_with("us-gov-")),
        dual_stack,
    )
}

/// The regional CloudWatch endpoint: `monitoring` (`monitoring-fips` with FIPS) in the
/// region's partition, on its dual-stack suffix with dual-stack — the four endpoints of the
/// botocore `cloudwatch` rule set, which has no GovCloud exception.
#[cfg(feature = "cloudwatch")]
pub fn cloudwatch(region: Option<&str>, fips: bool, dual_stack: bool) -> Result<String, String> {
    regional("monitoring", region, |_| fips, dual_stack)
}

/// A custom endpoint (`AWS_ENDPOINT_URL`, `--endpoint-url`), which the rule set refuses to
/// combine with FIPS or dual-stack.
pub fn custom(url: &str, fips: Option<bool>, dual_stack: Option<bool>) -> Result<String, String> {
    if fips == Some(true) {
        return Err("Invalid Configuration: FIPS and custom endpoint are not supported".into());
    }
    if dual_stack == Some(true) {
        return Err(
            "Invalid Configuration: Dualstack and custom endpoint are not supported".into(),
        );
    }
    Ok(url.to_string())
}

#[cfg(all(test, feature = "cloudwatch"))]
mod tests {
    use super::*;

    #[test]
    fn cloudwatch_endpoints_follow_the_partition_fips_and_dual_stack() {
        let at = |region, fips, dual| cloudwatch(Some(region), fips, dual).unwrap();
        assert_eq!(
            at("eu-west-1", false, false),
            "https://monitoring.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            at("us-gov-west-1", true, false),
            "https://monitoring-fips.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            at("cn-north-1", false, false),
            "https://monitoring.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            at("us-east-1", true, true),
            "https://monitoring-fips.us-east-1.api.aws"
        );
        assert!(cloudwatch(None, false, false).is_err());
    }
}
