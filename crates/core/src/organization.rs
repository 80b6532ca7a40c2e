//! The organization reader: the one role through which a member account learns which accounts
//! are in its organization (a member may not call ListAccounts). `gen deploy` creates it in
//! the admin account; rules that read the organization, their templates and `gen scan` name
//! it through these constants.

/// The role in the admin account that may do one thing: `organizations:ListAccounts`. Its
/// trust admits principals of the organization (`aws:PrincipalOrgID`) tagged [`READER_TAG`].
pub const READER_ROLE: &str = "NeptuneGuardrails-OrganizationAccounts";
/// The tag (value `true`) a role needs for the reader role to trust it.
pub const READER_TAG: &str = "neptune-guardrails:reads-organization-accounts";
/// The reader role's ARN: member templates set it on the rule's Lambda, and `gen scan` reads
/// it from its own environment; unset, the role of that name in the management account.
pub const READER_ROLE_VARIABLE: &str = "NEPTUNE_GUARDRAILS_ORGANIZATION_ACCOUNTS_ROLE";
