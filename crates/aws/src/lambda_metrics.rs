//! What Lambda itself counts of each function's invocations: the `Invocations` and `Errors`
//! metrics it sends to CloudWatch (namespace `AWS/Lambda`, dimension `FunctionName`; AWS Lambda
//! Developer Guide, "Types of metrics for Lambda functions": `Errors` is "the number of
//! invocations that result in a function error"). `gen status` reads them to find a rule whose
//! Lambda fails: AWS Config's DescribeConfigRuleEvaluationStatus "does not return status
//! information about Config Custom Lambda rules" (botocore `config` model,
//! ConfigRuleEvaluationStatus), and Config invokes a rule's Lambda asynchronously, so it never
//! sees the function fail.

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_smithy_types::date_time::{DateTime, Format};

use crate::query::{QueryClient, CLOUDWATCH};

/// A GetMetricData call takes at most 500 queries (botocore `cloudwatch` model,
/// GetMetricDataInput); two per function.
const FUNCTIONS_PER_CALL: usize = 250;

/// Invocations of one function in a window, and how many ended in a function error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Invocations {
    pub total: u64,
    pub errors: u64,
}

/// The invocations of each of `functions` from `start` to `end`, widened to whole minutes
/// (CloudWatch keeps Lambda's metrics per minute, so the minute in progress counts), as sums
/// over the window in one period (a whole number of minutes, as CloudWatch requires for
/// data older than three hours). A function without data in the window has no entry.
pub async fn invocations(
    sdk: &SdkConfig,
    functions: &[&str],
    (start, end): (SystemTime, SystemTime),
) -> Result<BTreeMap<String, Invocations>, String> {
    let client = QueryClient::new(&CLOUDWATCH, sdk);
    let epoch = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    let (first, last) = (epoch(start) / 60 * 60, epoch(end).div_ceil(60) * 60);
    let period = (last.saturating_sub(first)).max(60);
    let time = |seconds: u64| {
        DateTime::from_secs(seconds as i64)
            .fmt(Format::DateTime)
            .map_err(|e| e.to_string())
    };
    let (start, end) = (time(first)?, time(first + period)?);
    let mut counted: BTreeMap<String, Invocations> = BTreeMap::new();
    for chunk in functions.chunks(FUNCTIONS_PER_CALL) {
        let mut queries = Vec::new();
        for (n, function) in chunk.iter().enumerate() {
            for (k, (metric, id)) in [("Invocations", "i"), ("Errors", "e")].iter().enumerate() {
                let q = format!("MetricDataQueries.member.{}", 2 * n + k + 1);
                let stat = format!("{q}.MetricStat");
                queries.extend([
                    (format!("{q}.Id"), format!("{id}{n}")),
                    (format!("{stat}.Metric.Namespace"), "AWS/Lambda".into()),
                    (format!("{stat}.Metric.MetricName"), metric.to_string()),
                    (
                        format!("{stat}.Metric.Dimensions.member.1.Name"),
                        "FunctionName".into(),
                    ),
                    (
                        format!("{stat}.Metric.Dimensions.member.1.Value"),
                        function.to_string(),
                    ),
                    (format!("{stat}.Period"), period.to_string()),
                    (format!("{stat}.Stat"), "Sum".into()),
                ]);
            }
        }
        let mut next: Option<String> = None;
        loop {
            let mut params = queries.clone();
            params.push(("StartTime".into(), start.clone()));
            params.push(("EndTime".into(), end.clone()));
            if let Some(token) = &next {
                params.push(("NextToken".into(), token.clone()));
            }
            let document = client
                .call("GetMetricData", params)
                .await
                .map_err(|e| format!("GetMetricData: {}", guardrails_core::aws::error_text(&e)))?;
            let result = document.child("GetMetricDataResult");
            for series in result
                .into_iter()
                .flat_map(|r| r.members("MetricDataResults"))
            {
                let Some(id) = series.text_of("Id") else {
                    continue;
                };
                let (kind, n) = id.split_at(1);
                let Some(function) = n.parse::<usize>().ok().and_then(|n| chunk.get(n)) else {
                    continue;
                };
                let values: Vec<f64> = series
                    .members("Values")
                    .filter_map(|v| v.text.trim().parse::<f64>().ok())
                    .collect();
                if values.is_empty() {
                    continue;
                }
                let sum: f64 = values.iter().sum();
                let entry = counted.entry(function.to_string()).or_default();
                match kind {
                    "i" => entry.total += sum.round() as u64,
                    _ => entry.errors += sum.round() as u64,
                }
            }
            next = result
                .and_then(|r| r.text_of("NextToken"))
                .map(str::to_string);
            if next.is_none() {
                break;
            }
        }
    }
    Ok(counted)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;

    use super::*;
    use crate::query::tests::serve;

    #[tokio::test]
    async fn sums_of_each_functions_invocations_and_errors_across_pages() {
        let (url, served) = serve(vec![
            ("200 OK", "<GetMetricDataResponse><GetMetricDataResult><MetricDataResults>\
             <member><Id>i0</Id><Values><member>3.0</member><member>4.0</member></Values></member>\
             <member><Id>e0</Id><Values><member>2.0</member></Values></member>\
             </MetricDataResults><NextToken>p2</NextToken></GetMetricDataResult></GetMetricDataResponse>"),
            ("200 OK", "<GetMetricDataResponse><GetMetricDataResult><MetricDataResults>\
             <member><Id>i1</Id><Values><member>5.0</member></Values></member>\
             <member><Id>e1</Id><Values/></member>\
             </MetricDataResults></GetMetricDataResult></GetMetricDataResponse>"),
        ]);
        let sdk = guardrails_core::aws::load(Some("eu-west-1".into()), Some(url))
            .await
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .build();
        // Half a minute past the minute: the window widens to whole minutes.
        let end = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_030);
        let counted = invocations(
            &sdk,
            &["rule-a", "rule-b", "rule-c"],
            (end - Duration::from_secs(86_400), end),
        )
        .await
        .unwrap();
        assert_eq!(
            counted["rule-a"],
            Invocations {
                total: 7,
                errors: 2
            }
        );
        assert_eq!(
            counted["rule-b"],
            Invocations {
                total: 5,
                errors: 0
            }
        );
        assert!(!counted.contains_key("rule-c"), "no data, no entry");
        let requests = served.join().unwrap();
        let first = &requests[0];
        assert!(
            first.contains("Action=GetMetricData&Version=2010-08-01"),
            "{first}"
        );
        assert!(
            first.contains("/eu-west-1/monitoring/aws4_request"),
            "{first}"
        );
        for param in [
            "MetricDataQueries.member.4.MetricStat.Metric.Dimensions.member.1.Value=rule-b",
            "MetricDataQueries.member.4.MetricStat.Metric.MetricName=Errors",
            "MetricDataQueries.member.1.MetricStat.Period=86460",
            "MetricDataQueries.member.1.MetricStat.Stat=Sum",
            "StartTime=2027-01-14T08%3A00%3A00Z",
            "EndTime=2027-01-15T08%3A01%3A00Z",
        ] {
            assert!(first.contains(param), "{param}: {first}");
        }
        assert!(requests[1].contains("NextToken=p2"), "{}", requests[1]);
    }
}
