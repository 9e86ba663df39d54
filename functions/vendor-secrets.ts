/**
 * Okta and GitHub credentials for a collect function (functions/collect.ts loads this module for
 * those sources only): read once per container from the SSM Parameter Store SecureString the
 * stack names (OKTA_SECRET_PARAMETER, GITHUB_SECRET_PARAMETER; storing it is free, unlike a
 * Secrets Manager secret) into the variables the collectors read, each value registered for
 * redaction first. A parameter not created yet counts as empty: the collector then records an
 * error snapshot naming the variable.
 */
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { awsClientOptions } from '../shared/aws/clients.js';
import { COLLECTORS } from '../shared/collectors/declarations.generated.js';
import { secretVariables } from '../shared/collectors/types.js';
import { optionalEnv, requiredEnv } from '../shared/env.js';
import type { Logger } from '../shared/log.js';
import { registerSecret } from '../shared/secrets.js';

/**
 * The variables each vendor secret may hold, as JSON keys (a plain string is the first one):
 * `<SOURCE>_SECRET_PARAMETER` → the `secrets` the registered collectors of that source declare.
 */
const SECRET_VARIABLES: Readonly<Record<string, readonly string[]>> = secretVariables(COLLECTORS);

/** Put each configured vendor secret's values into the variables the collectors read. */
export async function loadVendorSecrets(logger: Logger): Promise<void> {
  const wanted = Object.keys(SECRET_VARIABLES).filter((v) => optionalEnv(v) !== undefined);
  if (wanted.length === 0) return;
  const client = new SSMClient(awsClientOptions());
  try {
    for (const nameVariable of wanted) {
      const parameter = requiredEnv(nameVariable);
      const text = await readParameter(client, parameter);
      const names = SECRET_VARIABLES[nameVariable] ?? [];
      const values = parseSecret(text, names, logger);
      for (const [name, value] of Object.entries(values)) {
        registerSecret(value);
        process.env[name] = value;
      }
      if (Object.keys(values).length === 0) {
        logger.warn('secret empty', {
          parameter,
          expected: names,
          fix: 'aws ssm put-parameter --type SecureString --overwrite (docs/deploy.md)',
        });
      }
    }
  } finally {
    client.destroy();
  }
}

/** The decrypted value of a SecureString parameter; one that does not exist yet reads as empty. */
async function readParameter(client: SSMClient, name: string): Promise<string> {
  try {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return out.Parameter?.Value ?? '';
  } catch (err) {
    if (err instanceof ParameterNotFound) return '';
    throw err;
  }
}

/** `{"OKTA_API_TOKEN": "..."}` (any of `names` as keys), or the bare value of the first name. */
export function parseSecret(text: string, names: readonly string[], logger: Logger): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (!trimmed.startsWith('{')) return { [names[0]!]: trimmed };
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    // Never echo the value: it is a credential.
    throw new Error(
      `the secret looks like JSON but does not parse; expected {"${names.join('": "...", "')}": "..."}`,
    );
  }
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = (data as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  const unknown = Object.keys(data as object).filter((k) => !names.includes(k));
  if (unknown.length) logger.warn('secret keys ignored', { keys: unknown, expected: names });
  return out;
}
