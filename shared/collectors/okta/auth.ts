/**
 * Okta credentials from the environment, shared by the okta and okta-users collectors (a module
 * of its own, so that one collector's bundle does not carry the other's code).
 */
import type { Config } from '../../config.js';
import { secretEnv } from '../../env.js';
import { SourceUnavailableError } from '../../errors.js';
import type { OktaAuth } from '../../vendors/okta-client.js';

export function oktaAuthFromEnv(okta: NonNullable<Config['okta']>): OktaAuth {
  if (okta.clientId) {
    const privateKey = secretEnv('OKTA_PRIVATE_KEY');
    if (!privateKey)
      throw new SourceUnavailableError(
        `okta.clientId is set (${okta.clientId}) but OKTA_PRIVATE_KEY is not: set it to the service app's private key (PKCS#8 PEM or JWK JSON), or remove okta.clientId to use OKTA_API_TOKEN`,
      );
    return { kind: 'oauth', clientId: okta.clientId, privateKey };
  }
  const token = secretEnv('OKTA_API_TOKEN');
  if (!token)
    throw new SourceUnavailableError(
      'OKTA_API_TOKEN is not set: create an API token as a read-only administrator (Admin Console > Security > API > Tokens) and export it, or configure an OAuth service app with okta.clientId and OKTA_PRIVATE_KEY',
    );
  return { kind: 'ssws', token };
}
