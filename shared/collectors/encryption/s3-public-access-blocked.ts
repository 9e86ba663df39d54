/**
 * s3-public-access-blocked (CC6.1): the account-level S3 public access block has all four
 * settings on, or else every bucket of the snapshot's region has its own block with all
 * four on; each bucket without one is named. A region without buckets is not applicable
 * (the detail still says how the account-level block stands, where it was read).
 */

import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import type { PublicAccessBlock } from './collector.js';
import { encryption } from './declaration.js';

const SETTINGS = [
  'blockPublicAcls',
  'ignorePublicAcls',
  'blockPublicPolicy',
  'restrictPublicBuckets',
] as const;

/** The settings of a block that are off; all four when there is none. */
function off(block: PublicAccessBlock | undefined): string[] {
  return SETTINGS.filter((k) => block?.[k] !== true);
}

export const s3PublicAccessBlockedCheck = defineCheck(encryption, {
  id: 's3-public-access-blocked',
  title: 'S3 public access blocked',
  procedure:
    'Open the snapshot of the account and region; confirm `data.s3.accountPublicAccessBlock` is `set` with all four settings true, or else that every bucket of `data.s3.buckets` has `publicAccessBlock` `set` with all four settings true.',
  remediation:
    'Turn on all four settings of the account-level block (`aws s3control put-public-access-block --account-id <id> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`), or of each named bucket (`aws s3api put-public-access-block`).',
  description:
    'the account-level S3 public access block is on (all four settings), or each bucket has its own; a bucket without it is named',
  reliance: {
    freshness: 'No "as of" time: S3 answers the current public access block settings at `collectedAt`.',
    doesNotTest:
      'Bucket policies and ACLs that grant access in spite of a partial block, access points, and objects shared by presigned URL.',
    limitations:
      "The account-level block, when all four settings are on, passes every bucket of the region without looking at the buckets' own blocks.",
  },
  run(snapshot) {
    const { accountId, region, s3 } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    const account = s3.accountPublicAccessBlock;
    const accountOff = account.state === 'set' ? off(account.value) : [...SETTINGS];
    const accountSays =
      account.state === 'set'
        ? accountOff.length === 0
          ? 'the account-level block is on (all four settings)'
          : `the account-level block has ${accountOff.join(', ')} off`
        : account.state === 'none'
          ? 'the account has no account-level block'
          : account.state === 'unreadable'
            ? `the account-level block could not be read (${account.error})`
            : 'the account-level block is read in another region';
    if (account.state === 'set' && accountOff.length === 0)
      return pass(`${where}: ${accountSays}; it covers the region's ${s3.buckets.length} bucket(s)`);
    if (s3.buckets.length === 0) return notApplicable(`${where}: no S3 bucket in the region; ${accountSays}`);
    const open = s3.buckets.flatMap((b) => {
      const block = b.publicAccessBlock;
      if (block.state === 'unreadable') return [{ b, why: `its block could not be read: ${block.error}` }];
      const missing = off(block.state === 'set' ? block.value : undefined);
      if (missing.length === 0) return [];
      return [{ b, why: block.state === 'none' ? 'no public access block' : `${missing.join(', ')} off` }];
    });
    if (open.length === 0)
      return pass(
        `${where}: ${accountSays}, and each of the region's ${s3.buckets.length} bucket(s) has its own block on`,
      );
    return fail(
      `${where}: ${accountSays}, and ${open.length} bucket(s) lack their own: ${open.map((o) => `${o.b.name} (${o.why})`).join(', ')}`,
      open.map((o) => o.b.arn),
    );
  },
});
