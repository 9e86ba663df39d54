/**
 * encryption-at-rest (CC6.1): in the snapshot's account and region, EBS encrypts new
 * volumes by default, every RDS instance and cluster has encrypted storage (an instance of
 * a cluster is judged by its cluster, which holds the storage), and every S3 bucket of the
 * region has default encryption. A region without databases or buckets says so in the
 * detail: those parts are not applicable, in words, never silently; EBS is in every region.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { encryption } from './declaration.js';

export const encryptionAtRestCheck = defineCheck(encryption, {
  id: 'encryption-at-rest',
  title: 'Encryption at rest',
  procedure:
    'Open the snapshot of the account and region; confirm `data.ebs.encryptionByDefault` is true, every entry of `data.rds.clusters` and every entry of `data.rds.instances` without a `clusterId` has `storageEncrypted` true, and every bucket of `data.s3.buckets` has `defaultEncryption.state` `set`.',
  remediation:
    'Turn on EBS encryption by default (`aws ec2 enable-ebs-encryption-by-default`); an unencrypted RDS instance or cluster is re-created from an encrypted snapshot copy; set default encryption on each named bucket (`aws s3api put-bucket-encryption`).',
  description:
    'EBS encryption by default on in every region; every RDS instance, Aurora cluster and S3 bucket encrypted at rest',
  reliance: {
    freshness: 'No "as of" time: EC2, RDS and S3 answer their current settings at `collectedAt`.',
    doesNotTest:
      "Existing EBS volumes and snapshots (only the account's default encryption of new volumes), KMS key policies and rotation, and data stores other than EBS, RDS and S3.",
    limitations: 'A region without databases or buckets is judged on EBS alone and says so.',
  },
  run(snapshot) {
    const { accountId, region, ebs, rds, s3 } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    const failing: string[] = [];
    const problems: string[] = [];
    const fine: string[] = [];
    if (!ebs.encryptionByDefault) {
      failing.push(`ebs-encryption-by-default:${region}`);
      problems.push('EBS encryption by default is off');
    } else fine.push('EBS encryption by default is on');

    const stores = [
      ...rds.clusters.map((c) => ({ ...c, kind: 'RDS cluster' })),
      ...rds.instances.filter((i) => i.clusterId === null).map((i) => ({ ...i, kind: 'RDS instance' })),
    ];
    const plain = stores.filter((s) => !s.storageEncrypted);
    for (const s of plain) failing.push(s.arn ?? `rds:${region}:${s.id}`);
    if (plain.length > 0)
      problems.push(`unencrypted storage: ${plain.map((s) => `${s.kind} ${s.id}`).join(', ')}`);
    else if (stores.length === 0) fine.push('no RDS instance or cluster (not applicable)');
    else fine.push(`${stores.length} RDS store(s) encrypted`);

    const unencrypted = s3.buckets.filter((b) => b.defaultEncryption.state !== 'set');
    for (const b of unencrypted) failing.push(b.arn);
    if (unencrypted.length > 0)
      problems.push(
        `bucket(s) without default encryption: ${unencrypted
          .map((b) =>
            b.defaultEncryption.state === 'unreadable'
              ? `${b.name} (could not be read: ${b.defaultEncryption.error})`
              : b.name,
          )
          .join(', ')}`,
      );
    else if (s3.buckets.length === 0) fine.push('no S3 bucket in the region (not applicable)');
    else fine.push(`${s3.buckets.length} bucket(s) encrypted by default`);

    if (failing.length > 0) return fail(`${where}: ${problems.join('; ')}`, failing);
    return pass(`${where}: ${fine.join('; ')}`);
  },
});
