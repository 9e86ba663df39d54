/**
 * okta-users records the profile attribute named in okta.users.githubLoginAttribute with the
 * other profile attributes: access-revoked-on-termination links a leaver to GitHub through it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOktaUsersCollector } from '../../shared/collectors/okta-users/collector.js';
import { readOktaUsersData } from '../../shared/collectors/okta-users/data.js';
import { type UsersSettings, UsersSettingsSchema } from '../../shared/collectors/okta-users/settings.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, type OktaServer, startOktaServer } from '../servers/okta-server.js';

describe('okta-users: the GitHub login attribute', () => {
  let server: OktaServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  it('is recorded beside okta.users.profileAttributes, for every user that has it', async () => {
    const org = makeOktaOrg({
      groups: 1,
      membersPerGroup: 1,
      named: [
        {
          name: 'Engineering',
          members: [
            {
              login: 'olaf@example.com',
              status: 'DEPROVISIONED',
              profile: { department: 'Eng', githubLogin: 'olaf-gh' },
            },
          ],
        },
      ],
    });
    const timer = manualTimer();
    server = await startOktaServer(org, { clock: timer });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const settings: UsersSettings = UsersSettingsSchema.parse({
      profileAttributes: ['department'],
      githubLoginAttribute: 'githubLogin',
    });
    const collector = createOktaUsersCollector({
      timer,
      auth: () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN }),
    });
    const out = await collector.collect(collector.scopes(config, {})[0]!, {
      ...collectorContext(config),
      settings,
    });
    const data = readOktaUsersData(out.data);
    expect(data.profileAttributes).toEqual(['department', 'githubLogin']);
    const olaf = data.users.find((u) => u.login === 'olaf@example.com')!;
    expect(olaf.profile).toEqual({ department: 'Eng', githubLogin: 'olaf-gh' });
  });
});
