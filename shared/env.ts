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

// AWS secret keys are credentials too: scrub them wherever they might be echoed.
registerSecret(optionalEnv('AWS_SECRET_ACCESS_KEY'));
registerSecret(optionalEnv('AWS_SESSION_TOKEN'));
