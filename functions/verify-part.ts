/**
 * One part of a verification in parts (the verify state machine's Map, infra/constructs/verify-run.ts):
 * given `{ plan, part }`, checks the plan's signature and its share's SHA-256, verifies the part's
 * account shards (their leaves only; the chain of roots as the plan walked it), and writes its
 * result, signed, next to the plan (shared/verify/distributed.ts). Returns `{ part, key, sha256 }`
 * for the merge. A plan or share that fails its checks is refused (the invocation fails; the
 * merge then reports the part as not verified).
 *
 * Environment:
 *   EVIDENCE_STORE               s3://bucket[/prefix]                      (required)
 *   EVIDENCE_CONFIG              the validated configuration file (a layer) (required)
 *   VERIFY_WORK_STORE            s3://work-bucket/prefix                    (required)
 *   EVIDENCE_SIGNING_KMS_KEY_ID  signs the part's result; its public key checks the plan
 *
 * IAM actions:
 *   s3:GetBucketObjectLockConfiguration, s3:ListBucket, s3:GetObject, s3:GetObjectRetention  on the locker (read only)
 *   s3:GetObject, s3:PutObject   on the work bucket's objects
 *   kms:Sign, kms:GetPublicKey   on the signing key
 *   kms:Decrypt                  on the locker key, when the bucket uses SSE-KMS
 *   sts:GetCallerIdentity        (needs no grant)
 */
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { s3ClientOptions } from '../shared/aws/clients.js';
import { COLLECTORS } from '../shared/collectors/declarations.generated.js';
import type { AnyCollector } from '../shared/collectors/types.js';
import { loadConfig } from '../shared/config.js';
import { requiredEnv } from '../shared/env.js';
import { loadSigner, type Signer, signingSettingsOf, trustedKeys } from '../shared/evidence/signing.js';
import { openLocker } from '../shared/locker/index.js';
import { runVerifyPart, s3WorkStore } from '../shared/verify/distributed.js';

const s3 = new S3Client(s3ClientOptions());

const PartEvent = z.object({ plan: z.string().min(1), part: z.number().int().nonnegative() });

export interface VerifyPartDeps {
  collectors?: readonly AnyCollector[];
  signer?: () => Promise<Signer>;
}

export function createHandler(
  deps: VerifyPartDeps = {},
): (event: unknown) => Promise<{ part: number; key: string; sha256: string }> {
  return async (event) => {
    const parsed = PartEvent.safeParse(event);
    if (!parsed.success)
      throw new Error(
        `not a verify part: ${parsed.error.issues[0]?.path.join('.') || '(top level)'}: ${parsed.error.issues[0]?.message}; expected {"plan": "<work key>", "part": <n>}`,
      );
    const config = loadConfig(undefined, COLLECTORS);
    const locker = openLocker(requiredEnv('EVIDENCE_STORE'), { client: s3 });
    return runVerifyPart({
      locker,
      work: s3WorkStore(s3, requiredEnv('VERIFY_WORK_STORE')),
      config,
      plan: parsed.data.plan,
      part: parsed.data.part,
      signer: await (deps.signer ?? (() => loadSigner()))(),
      trusted: await trustedKeys(locker, signingSettingsOf(config.locker)),
      ...(deps.collectors && { collectors: deps.collectors }),
    });
  };
}

export const handler = createHandler();
