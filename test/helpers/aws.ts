/** Helpers for tests against the emulator. */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientOptions } from '../../shared/aws/clients.js';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A fresh bucket on the emulator, with or without Object Lock. Returns its name. */
export async function createBucket(options: { objectLock: boolean; name?: string }): Promise<string> {
  const name = options.name ?? uniqueName(options.objectLock ? 'locker' : 'plain');
  const s3 = new S3Client(s3ClientOptions());
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: options.objectLock }));
  s3.destroy();
  return name;
}

/** The AWS account this test file works in (see emulator-env.ts). */
export function testAccountId(): string {
  const id = process.env.EVIDENCE_TEST_ACCOUNT_ID;
  if (!id) throw new Error('no test account yet: call testAccountId() inside a test or hook');
  return id;
}
