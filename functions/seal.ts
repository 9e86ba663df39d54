/**
 * Seal, on schedule: a digest over the snapshots of the day before the scheduled time
 * (UTC) that no digest covers yet, chained to the previous digest and signed with the KMS
 * key EVIDENCE_SIGNING_KMS_KEY_ID (kms:Sign, MessageType DIGEST). Running again (a retry, a
 * late snapshot) seals only what is new; an already-sealed day writes nothing. The stack runs
 * it one at a time (reserved concurrency 1); the chain link's exclusive write keeps even two
 * concurrent runs from forking the chain.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { systemClock } from '../shared/clock.js';
import { COLLECTORS } from '../shared/collectors/declarations.generated.js';
import { configSourceBytes, loadConfig } from '../shared/config.js';
import { requiredEnv } from '../shared/env.js';
import { addDays, dayOf } from '../shared/evidence/days.js';
import { seal } from '../shared/evidence/digest.js';
import { recordConfiguration } from '../shared/evidence/records.js';
import { kmsSigner, SIGNING_KMS_KEY_ENV, type Signer } from '../shared/evidence/signing.js';
import { openLocker } from '../shared/locker/index.js';
import { type Logger, redactingLogger } from '../shared/log.js';
import { parseScheduledEvent } from './scheduled-event.js';

const config = loadConfig(undefined, COLLECTORS);
const locker = openLocker(requiredEnv('EVIDENCE_STORE'), { create: true });
const logger: Logger = redactingLogger(new PowertoolsLogger() as unknown as Logger);
const kmsKeyId = requiredEnv(SIGNING_KMS_KEY_ENV);
let signer: Promise<Signer> | undefined;

export interface SealOutput {
  day: string;
  key: string | null;
  sha256: string | null;
  sealed: number;
  alreadySealed: number;
}

export async function handler(event: unknown): Promise<SealOutput> {
  const run = parseScheduledEvent(event, new Date());
  const day = addDays(dayOf(run.scheduledFor), -1);
  signer ??= kmsSigner(kmsKeyId).catch((err) => {
    signer = undefined;
    throw err;
  });
  const result = await seal(locker, {
    day,
    signer: await signer,
    configuration: await recordConfiguration(locker, config, {
      at: new Date(),
      retentionDays: config.locker.retentionDays,
      fileBytes: configSourceBytes(),
    }),
    clock: systemClock,
    retentionDays: config.locker.retentionDays,
    form: config.locker.digestForm,
  });
  const out: SealOutput = {
    day: result.day,
    key: result.key ?? null,
    sha256: result.sha256 ?? null,
    sealed: result.sealed.length,
    alreadySealed: result.alreadySealed,
  };
  logger.info('sealed', { ...out });
  return out;
}
