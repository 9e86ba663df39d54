/**
 * AWS SDK client options shared by every client we build. The SDK honours
 * AWS_ENDPOINT_URL itself; against an emulator S3 also needs path-style addressing.
 */
import type { MiddlewareStack } from '@smithy/types';
import { awsEndpointOverride, optionalEnv } from '../env.js';

export const DEFAULT_REGION = 'us-east-1';

export function defaultRegion(): string {
  return optionalEnv('AWS_REGION') ?? optionalEnv('AWS_DEFAULT_REGION') ?? DEFAULT_REGION;
}

/** Options for S3Client: path-style when an endpoint override (the emulator) is in force. */
export function s3ClientOptions(region = defaultRegion()) {
  return { region, forcePathStyle: awsEndpointOverride() !== undefined };
}

/** A counter of API requests made through one or more clients. */
export interface RequestCounter {
  requests: number;
}

/**
 * Count every API call the client makes (each attempt, retries included) into `counter`.
 * Works on any SDK v3 client.
 */
export function countRequests(
  // biome-ignore lint/suspicious/noExplicitAny: any SDK v3 client's stack, whatever its input and output types
  client: { middlewareStack: MiddlewareStack<any, any> },
  counter: RequestCounter,
): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.requests++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'evidenceRequestCounter', override: true },
  );
}
