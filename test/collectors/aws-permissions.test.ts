import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AWS_READ_ACTIONS, allAwsReadActions } from '../../shared/aws/permissions.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';

describe('AWS read actions', () => {
  it('one list per AWS collector, and the docs name every action', async () => {
    const aws = COLLECTORS.filter((c) => c.source === 'aws').map((c) => c.id);
    expect(Object.keys(AWS_READ_ACTIONS).sort()).toEqual([...aws].sort());
    const docs = await readFile(new URL('../../docs/aws-collectors.md', import.meta.url), 'utf8');
    for (const action of allAwsReadActions()) expect(docs).toContain(`\`${action}\``);
    expect(allAwsReadActions()).toHaveLength(48);
    expect(
      allAwsReadActions().every((a) =>
        /^(guardduty|iam|config|cloudtrail|organizations|ec2|rds|s3|backup|dynamodb|inspector2|sso|identitystore):(List|Get|BatchGet|Describe|Generate)/.test(
          a,
        ),
      ),
    ).toBe(true);
  });
});
