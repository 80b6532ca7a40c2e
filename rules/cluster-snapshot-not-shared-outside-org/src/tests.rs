use super::*;

const OWN: &str = "111111111111";
const SISTER: &str = "222222222222";
const VENDOR: &str = "999988887777";

fn shared(ids: &[&str]) -> Restore {
    Restore::Accounts(ids.iter().map(|i| i.to_string()).collect())
}

fn organization() -> Result<Membership, String> {
    Ok(Membership::Organization {
        id: "o-example".into(),
        accounts: [OWN, SISTER].map(str::to_string).into(),
    })
}

fn judge(restore: Restore, membership: Option<&Result<Membership, String>>) -> Verdict {
    evaluate("nightly", OWN, &restore, membership)
}

#[test]
fn only_accounts_outside_the_organization_fail() {
    let org = organization();
    let cases = [
        (
            shared(&[SISTER]),
            Compliance::Compliant,
            "all in organization o-example",
        ),
        (
            shared(&[SISTER, VENDOR]),
            Compliance::NonCompliant,
            "1 account(s) outside organization o-example: 999988887777",
        ),
        (
            shared(&[]),
            Compliance::Compliant,
            "not shared with any account by id",
        ),
        (
            shared(&["all"]),
            Compliance::Compliant,
            "not shared with any account by id",
        ),
        (
            shared(&["all", VENDOR]),
            Compliance::NonCompliant,
            "999988887777",
        ),
        (Restore::Automated, Compliance::NotApplicable, "automated"),
    ];
    for (restore, compliance, says) in cases {
        let v = judge(restore.clone(), Some(&org));
        assert_eq!(v.compliance, compliance, "{restore:?}: {}", v.annotation);
        assert!(v.annotation.contains(says), "{restore:?}: {}", v.annotation);
        assert!(v.evaluated);
    }
}

#[test]
fn an_account_in_no_organization_may_share_with_no_one() {
    let alone = Ok(Membership::Alone);
    let v = judge(shared(&[SISTER]), Some(&alone));
    assert_eq!(v.compliance, Compliance::NonCompliant);
    assert!(
        v.annotation
            .contains("outside account 111111111111, which is in no organization"),
        "{}",
        v.annotation
    );
}

#[test]
fn what_cannot_be_read_is_not_evaluated_and_names_the_reason() {
    let denied = Err("AssumeRole failed: AccessDenied".to_string());
    for (restore, membership, says) in [
        (
            shared(&[VENDOR]),
            Some(&denied),
            "AssumeRole failed: AccessDenied",
        ),
        (shared(&[VENDOR]), None, "was not read"),
        (Restore::Unread("Throttling".into()), None, "Throttling"),
    ] {
        let v = judge(restore, membership);
        assert_eq!(
            (v.compliance, v.evaluated),
            (Compliance::NotApplicable, false)
        );
        assert!(v.annotation.contains(says), "{}", v.annotation);
    }
    // Nothing shared by id needs no organization at all, so an unreadable one changes nothing.
    assert_eq!(
        judge(shared(&[]), Some(&denied)).compliance,
        Compliance::Compliant
    );
}

#[test]
fn many_outside_accounts_fit_an_annotation() {
    let many: Vec<String> = (0..40).map(|i| format!("9999000000{i:02}")).collect();
    let ids: Vec<&str> = many.iter().map(String::as_str).collect();
    let v = judge(shared(&ids), Some(&organization()));
    assert_eq!(v.compliance, Compliance::NonCompliant);
    assert!(
        v.annotation.contains("40 account(s)") && v.annotation.contains("and 36 more"),
        "{}",
        v.annotation
    );
    assert!(
        v.annotation.len() <= 256,
        "{} characters",
        v.annotation.len()
    );
}

#[test]
fn the_owner_comes_from_the_arn() {
    assert_eq!(
        account_of(Some(
            "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:nightly"
        )),
        OWN
    );
    assert_eq!(account_of(None), "");
}
