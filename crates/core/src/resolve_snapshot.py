def handler(events, context):
    """AWS Config's documentation does not say whether it names a DB cluster snapshot by its
    identifier or by its ARN: take either and give the identifier."""
    snapshot = events['Snapshot']
    if not snapshot.startswith('arn:'):
        return {'Identifier': snapshot}
    # arn:PARTITION:rds:REGION:ACCOUNT:cluster-snapshot:IDENTIFIER (an automated snapshot's
    # identifier holds a colon itself: rds:NAME-DATE).
    parts = snapshot.split(':', 6)
    if len(parts) != 7 or parts[2] != 'rds' or parts[5] != 'cluster-snapshot' or not parts[6]:
        raise Exception(f'{snapshot} is not the ARN of a DB cluster snapshot')
    return {'Identifier': parts[6]}
