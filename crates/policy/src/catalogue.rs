//! The `neptune-db:` data-plane actions, as data. A new action is one line here, with the
//! page that documents it.

/// What an action lets a principal do to the graph; decides which findings it can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads data or status.
    Read,
    /// Changes, deletes or resets data, or starts work that does.
    Mutate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    /// The qualified name (`neptune-db:ReadDataViaQuery`), as AWS spells it.
    pub name: &'static str,
    pub access: Access,
    pub source: &'static str,
}

const DATA_ACTIONS: &str =
    "https://docs.aws.amazon.com/neptune/latest/userguide/iam-dp-actions.html";
const SERVICE_REFERENCE: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonneptune.html";

const fn read(name: &'static str, source: &'static str) -> Action {
    Action {
        name,
        access: Access::Read,
        source,
    }
}

const fn mutate(name: &'static str, source: &'static str) -> Action {
    Action {
        name,
        access: Access::Mutate,
        source,
    }
}

/// The fine-grained actions of engine 1.2.0.0 and later.
pub(crate) const ACTIONS: &[Action] = &[
    // Query-based data access.
    read("neptune-db:ReadDataViaQuery", DATA_ACTIONS),
    mutate("neptune-db:WriteDataViaQuery", DATA_ACTIONS),
    mutate("neptune-db:DeleteDataViaQuery", DATA_ACTIONS),
    read("neptune-db:GetQueryStatus", DATA_ACTIONS),
    mutate("neptune-db:CancelQuery", DATA_ACTIONS),
    read("neptune-db:GetStreamRecords", DATA_ACTIONS),
    // General data access.
    read("neptune-db:GetEngineStatus", DATA_ACTIONS),
    read("neptune-db:GetStatisticsStatus", DATA_ACTIONS),
    mutate("neptune-db:ManageStatistics", DATA_ACTIONS),
    mutate("neptune-db:DeleteStatistics", DATA_ACTIONS),
    read("neptune-db:GetGraphSummary", DATA_ACTIONS),
    mutate("neptune-db:ResetDatabase", DATA_ACTIONS),
    // Bulk loader.
    mutate("neptune-db:StartLoaderJob", DATA_ACTIONS),
    read("neptune-db:GetLoaderJobStatus", DATA_ACTIONS),
    read("neptune-db:ListLoaderJobs", DATA_ACTIONS),
    mutate("neptune-db:CancelLoaderJob", DATA_ACTIONS),
    // Neptune ML.
    mutate("neptune-db:StartMLDataProcessingJob", SERVICE_REFERENCE),
    read("neptune-db:GetMLDataProcessingJobStatus", SERVICE_REFERENCE),
    read("neptune-db:ListMLDataProcessingJobs", SERVICE_REFERENCE),
    mutate("neptune-db:CancelMLDataProcessingJob", SERVICE_REFERENCE),
    mutate("neptune-db:StartMLModelTrainingJob", SERVICE_REFERENCE),
    read("neptune-db:GetMLModelTrainingJobStatus", SERVICE_REFERENCE),
    read("neptune-db:ListMLModelTrainingJobs", SERVICE_REFERENCE),
    mutate("neptune-db:CancelMLModelTrainingJob", SERVICE_REFERENCE),
    mutate("neptune-db:StartMLModelTransformJob", SERVICE_REFERENCE),
    read("neptune-db:GetMLModelTransformJobStatus", SERVICE_REFERENCE),
    read("neptune-db:ListMLModelTransformJobs", SERVICE_REFERENCE),
    mutate("neptune-db:CancelMLModelTransformJob", SERVICE_REFERENCE),
    mutate("neptune-db:CreateMLEndpoint", SERVICE_REFERENCE),
    read("neptune-db:GetMLEndpointStatus", SERVICE_REFERENCE),
    read("neptune-db:ListMLEndpoints", SERVICE_REFERENCE),
    mutate("neptune-db:DeleteMLEndpoint", SERVICE_REFERENCE),
];

/// The all-or-nothing action of engines before 1.2.0.0; ignored by 1.2.0.0 and later.
pub(crate) const DEPRECATED_CONNECT: &str = "neptune-db:connect";

pub(crate) const RESET_DATABASE: &str = "neptune-db:ResetDatabase";

pub(crate) const SERVICE: &str = "neptune-db";

/// An action by its qualified name, in any case.
pub fn find(name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_list_is_catalogued_once_with_a_source() {
        let design = [
            "ReadDataViaQuery",
            "WriteDataViaQuery",
            "DeleteDataViaQuery",
            "GetQueryStatus",
            "CancelQuery",
            "GetEngineStatus",
            "GetStreamRecords",
            "StartLoaderJob",
            "GetLoaderJobStatus",
            "CancelLoaderJob",
            "ListLoaderJobs",
            "ResetDatabase",
            "GetStatisticsStatus",
            "DeleteStatistics",
            "ManageStatistics",
        ];
        for name in design {
            assert!(find(&format!("{SERVICE}:{name}")).is_some(), "{name}");
        }
        for (i, a) in ACTIONS.iter().enumerate() {
            assert!(a.source.starts_with("https://docs.aws.amazon.com/"));
            assert!(a.name.starts_with("neptune-db:"), "{}", a.name);
            assert!(
                ACTIONS[i + 1..]
                    .iter()
                    .all(|b| !b.name.eq_ignore_ascii_case(a.name)),
                "{} twice",
                a.name
            );
        }
        assert_eq!(
            find("NEPTUNE-DB:resetdatabase").unwrap().access,
            Access::Mutate
        );
        assert!(find(DEPRECATED_CONNECT).is_none());
    }
}
