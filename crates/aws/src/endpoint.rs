//! EC2's endpoint, resolved as the EC2 endpoint rule set does (the partition of the region,
//! FIPS and dual-stack variants, a custom endpoint taken as given). The 54 test cases
//! generated from that rule set are checked in `tests/ec2_endpoints.rs`.

/// The regional EC2 endpoint.
pub fn ec2(region: Option<&str>, fips: bool, dual_stack: bool) -> Result<String, String> {
    let region = region
        .filter(|r| !r.is_empty())
        .ok_or("Invalid Configuration: Missing Region")?;
    let partition = guardrails_core::regions::partition_of(region);
    let suffix = if dual_stack {
        partition.dual_stack_dns_suffix
    } else {
        partition.dns_suffix
    };
    // GovCloud's regular endpoints are already FIPS endpoints; the rule set sends FIPS there.
    let fips_host = fips && (dual_stack || !region.starts_with("us-gov-"));
    let host = if fips_host { "ec2-fips" } else { "ec2" };
    Ok(format!("https://{host}.{region}.{suffix}"))
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
