//! A rule as `gen` knows it: its declaration, its remediation runbook and its scan. Each rule
//! crate exports one `RULE: RuleEntry`; `gen`'s catalog lists them, and a rule missing a
//! piece does not compile.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

use crate::error::RuleError;
use crate::params::Params;
use crate::registry::{Delivery, RuleSpec};
use crate::rule::Assessed;
use crate::runbook::Runbook;

/// What a scan of everything in scope yields.
pub(crate) type ScanFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Assessed>, RuleError>> + Send + 'a>>;

/// Built with [`RuleEntry::lambda`] or [`RuleEntry::managed`], which check the delivery.
pub struct RuleEntry {
    pub spec: &'static RuleSpec,
    pub runbook: fn() -> Runbook,
    /// Evaluate every resource in scope with these parameters: what the rule's Lambda does on
    /// a scheduled notification, and what `gen scan` runs.
    pub scan: for<'a> fn(&'a ScanScope, &'a Params) -> ScanFuture<'a>,
    /// How the rule judges a resource of a template before deploy (`gen check-template`),
    /// when a template can decide its verdict.
    pub template: Option<crate::template::TemplateCheck>,
}

impl RuleEntry {
    /// The entry of a rule delivered as a Lambda of ours: the scan is also what its Lambda
    /// runs on a scheduled notification. A declaration saying otherwise does not compile.
    pub const fn lambda(
        spec: &'static RuleSpec,
        runbook: fn() -> Runbook,
        scan: for<'a> fn(&'a ScanScope, &'a Params) -> ScanFuture<'a>,
    ) -> Self {
        assert!(
            matches!(spec.delivery, Delivery::Lambda),
            "RuleEntry::lambda for a rule not delivered as a Lambda"
        );
        RuleEntry {
            spec,
            runbook,
            scan,
            template: None,
        }
    }

    /// The entry of an AWS managed rule: the scan follows the managed rule's documented
    /// semantics. A declaration saying otherwise does not compile.
    pub const fn managed(
        spec: &'static RuleSpec,
        runbook: fn() -> Runbook,
        scan: for<'a> fn(&'a ScanScope, &'a Params) -> ScanFuture<'a>,
    ) -> Self {
        assert!(
            matches!(spec.delivery, Delivery::Managed { .. }),
            "RuleEntry::managed for a rule delivered as a Lambda"
        );
        RuleEntry {
            spec,
            runbook,
            scan,
            template: None,
        }
    }
}

impl RuleEntry {
    /// The same entry, judging templates with `check` too.
    pub const fn judging_templates(self, check: crate::template::TemplateCheck) -> Self {
        RuleEntry {
            template: Some(check),
            ..self
        }
    }
}

type Listing = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// One account and region of a scan: its SDK configuration and the listings its rules
/// share, so that nine cluster controls read the clusters once, not nine times.
pub struct ScanScope {
    pub sdk: SdkConfig,
    /// By the listing's type, and for a per-resource read (a resource's tags) its key.
    listings: Mutex<HashMap<(TypeId, String), Listing>>,
}

impl ScanScope {
    pub fn new(sdk: SdkConfig) -> Self {
        ScanScope {
            sdk,
            listings: Mutex::new(HashMap::new()),
        }
    }

    /// The listing of type `T` (each listing is a type of its own), read by `list` the first
    /// time any rule asks for it; rules asking meanwhile wait for that one read. A failed read
    /// is not kept: the next rule that asks tries again (and reports its own error).
    pub async fn shared<T, F, Fut>(&self, list: F) -> Result<Arc<T>, RuleError>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, RuleError>>,
    {
        self.shared_for(String::new(), list).await
    }

    /// [`Self::shared`] for one resource: the value of type `T` for `key` (the tags of a
    /// cluster by its ARN, which two rules may both need), read once per scope.
    pub async fn shared_for<T, F, Fut>(&self, key: String, read: F) -> Result<Arc<T>, RuleError>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, RuleError>>,
    {
        let cell = self
            .listings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry((TypeId::of::<T>(), key))
            .or_default()
            .clone();
        let value = cell
            .get_or_try_init(|| async {
                read()
                    .await
                    .map(|listing| Arc::new(listing) as Arc<dyn Any + Send + Sync>)
            })
            .await?
            .clone();
        Ok(value
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("listings are keyed by their type")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_listing_is_read_once_and_a_failed_read_is_retried() {
        let scope = ScanScope::new(SdkConfig::builder().build());
        let reads = AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, RuleError>(vec![1, 2, 3])
        };
        let (a, b) = tokio::join!(scope.shared(read), scope.shared(read));
        assert_eq!(*a.unwrap(), vec![1, 2, 3]);
        assert_eq!(*b.unwrap(), vec![1, 2, 3]);
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        let throttled = || RuleError::Aws {
            operation: "List",
            message: "throttled".into(),
        };
        let failing = || async { Err::<String, _>(throttled()) };
        assert!(scope.shared(failing).await.is_err());
        let text = scope.shared(|| async { Ok::<_, RuleError>("read".to_string()) });
        assert_eq!(*text.await.unwrap(), "read");
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        // Per key: one read for each key, however many ask.
        let tags = |arn: &'static str| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok::<_, RuleError>(arn.len())
            }
        };
        let (a, b, c) = tokio::join!(
            scope.shared_for("arn:a".into(), tags("arn:a")),
            scope.shared_for("arn:a".into(), tags("arn:a")),
            scope.shared_for("arn:bb".into(), tags("arn:bb")),
        );
        assert_eq!((*a.unwrap(), *b.unwrap(), *c.unwrap()), (5, 5, 6));
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }
}
