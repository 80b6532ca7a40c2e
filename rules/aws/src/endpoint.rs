//! EC2's endpoint, resolved as the EC2 endpoint rule set does (the partition of the region,
//! FIPS and dual-stack variants, a custom endpoint taken as given). The 54 test cases
//! generated from that rule set are checked in `tests/ec2_endpoints.rs`.

/// The DNS suffixes of each partition (`dnsSuffix`, `dualStackDnsSuffix` of the partitions
/// file the SDK embeds), found by region prefix; `aws` for any other region.
fn partition_suffixes(region: &str) -> (&'static str, &'static str) {
    const PARTITIONS: [(&str, &str, &str); 7] = [
        ("us-gov-", "amazonaws.com", "api.aws"),
        ("us-isob-", "sc2s.sgov.gov", "api.aws.scloud"),
        ("us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov", "api.aws.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
        ("eusc-", "amazonaws.eu", "api.amazonwebservices.eu"),
        ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, ..)| region.starts_with(prefix))
        .map(|&(_, dns, dual_stack)| (dns, dual_stack))
        .unwrap_or(("amazonaws.com", "api.aws"))
}

/// The regional EC2 endpoint.
pub fn ec2(region: Option<&str>, fips: bool, dual_stack: bool) -> Result<String, String> {
    let region = region
        .filter(|r| !r.is_empty())
        .ok_or("Invalid Configuration: Missing Region")?;
    let (dns, dual_stack_dns) = partition_suffixes(region);
    let suffix = if dual_stack { dual_stack_dns } else { dns };
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
