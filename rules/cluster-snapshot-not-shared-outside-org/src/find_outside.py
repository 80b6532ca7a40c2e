def find_outside(events, context):
    """The accounts a snapshot is shared with that are outside the organization, read as the
    rule reads them: DescribeOrganization, then ListAccounts directly in the management (or
    reader role's) account, else through the reader role."""
    import boto3
    shared = [a for a in (events.get('Restore') or []) if a != 'all']
    own = events['Account']
    if not shared:
        return {'Outside': [], 'Any': False}
    organizations = boto3.client('organizations')
    try:
        organization = organizations.describe_organization()['Organization']
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        outside = [a for a in shared if a != own]
        return {'Outside': outside, 'Any': bool(outside)}
    management = organization['MasterAccountId']
    partition = organization['Arn'].split(':')[1]
    role = events.get('ReaderRole') or f'arn:{partition}:iam::{management}:role/READER_ROLE'
    lister = organizations
    if own not in (management, role.split(':')[4]):
        credentials = boto3.client('sts').assume_role(
            RoleArn=role, RoleSessionName='neptune-guardrails-remediation'
        )['Credentials']
        lister = boto3.client(
            'organizations',
            aws_access_key_id=credentials['AccessKeyId'],
            aws_secret_access_key=credentials['SecretAccessKey'],
            aws_session_token=credentials['SessionToken'],
        )
    pages = lister.get_paginator('list_accounts').paginate()
    inside = {account['Id'] for page in pages for account in page['Accounts']}
    outside = [a for a in shared if a not in inside]
    return {'Outside': outside, 'Any': bool(outside)}
