/**
 * The one module that reads `process.env`. Secrets read through `secretEnv` are
 * registered for redaction the moment they are read.
 */
import { registerSecret } from './secrets.js';

/** An optional variable; empty counts as unset. */
export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A required variable: throws naming the variable when it is missing. */
export function requiredEnv(name: string): string {
  const value = optionalEnv(name);
  if (value === undefined) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** A secret from the environment (a token, a private key): registered for redaction. */
export function secretEnv(name: string): string | undefined {
  const value = optionalEnv(name);
  registerSecret(value);
  return value;
}

/** True when an AWS endpoint override is in force (the emulator in tests, LocalStack, ...). */
export function awsEndpointOverride(): string | undefined {
  return optionalEnv('AWS_ENDPOINT_URL_S3') ?? optionalEnv('AWS_ENDPOINT_URL');
}

/**
 * Variables that hold credentials: their values are scrubbed wherever they might be echoed.
 * Collectors declare theirs (`secrets`); the runner registers those too.
 */
const SECRET_VARIABLES = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
] as const;

/**
 * Register the current values of every credential variable for redaction. Called at load
 * and again when work starts (credentials may be set after this module loaded).
 */
export function registerEnvironmentSecrets(more: readonly string[] = []): void {
  for (const name of [...SECRET_VARIABLES, ...more]) registerSecret(optionalEnv(name));
}

registerEnvironmentSecrets();
