//! The EC2 endpoint resolver against the endpoint tests generated from AWS's EC2 endpoint
//! rule set (copied from aws-sdk-ec2 1.274.0, `src/config/endpoint.rs`, into
//! `ec2-endpoint-cases.json`).

use guardrails_aws::endpoint;

#[test]
fn every_case_of_the_ec2_rule_set_resolves_as_aws_resolves_it() {
    let file: serde_json::Value =
        serde_json::from_str(include_str!("ec2-endpoint-cases.json")).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 54);
    for case in cases {
        let fips = case["use_fips"].as_bool().unwrap();
        let dual_stack = case["use_dual_stack"].as_bool().unwrap();
        let resolved = match case["endpoint"].as_str() {
            Some(url) => endpoint::custom(url, Some(fips), Some(dual_stack)),
            None => endpoint::ec2(case["region"].as_str(), fips, dual_stack),
        };
        let expected = match (case["url"].as_str(), case["error"].as_str()) {
            (Some(url), _) => Ok(url.to_string()),
            (None, Some(error)) => Err(error.to_string()),
            _ => panic!("case without an outcome: {case}"),
        };
        assert_eq!(resolved, expected, "{}", case["case"]);
    }
}
