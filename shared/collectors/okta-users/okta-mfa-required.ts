/**
 * okta-mfa-required (CC6.1): the sign-on policies require MFA. Every ACTIVE rule that allows
 * access in an ACTIVE OKTA_SIGN_ON (global session) policy requires a factor; on Identity
 * Engine every ACTIVE rule that allows access in the authentication (ACCESS_POLICY) policies of
 * the Okta Dashboard and the Admin Console requires two factors. Each rule that allows one
 * factor is named with the groups it applies to. Policies or rules not read to the end, or a
 * rule whose requirement cannot be told, fail.
 */
import { defineCheck, fail, pass } from '../../checks/types.js';
import {
  type OktaPolicy,
  type OktaPolicyRule,
  type OktaUsersData,
  OktaUsersDataError,
  readOktaUsersData,
  ruleGroupIds,
} from './data.js';
import { oktaUsers } from './declaration.js';

export const oktaMfaRequiredCheck = defineCheck(oktaUsers, {
  id: 'okta-mfa-required',
  controls: ['CC6.1'],
  title: 'Okta sign-on policies require MFA',
  description:
    'every active rule allowing access in an active Okta sign-on (global session) policy requires a factor; on Identity Engine every active allowing rule of the Okta Dashboard and Admin Console authentication policies requires two factors',
  procedure:
    "Open the snapshot; confirm `policyTypes.OKTA_SIGN_ON.complete` and `policyTypes.ACCESS_POLICY.complete`. For each policy of `type` OKTA_SIGN_ON with `status` ACTIVE, for each rule with `status` ACTIVE and `actions.signon.access` ALLOW, confirm `actions.signon.requireFactor` is true. For each entry of `apps` (okta_enduser, saasure) with an `accessPolicyId`, find that policy and, for each ACTIVE rule with `actions.appSignOn.access` ALLOW, confirm `actions.appSignOn.verificationMethod.factorMode` is `2FA`. Group names of a rule's `conditions.people.groups` are in `groupNames`.",
  remediation:
    'Change each named rule to require MFA (sign-on policy: "Secondary factor required"; authentication policy: "Possession factor" / any two factor types), or deactivate it; check first which groups it applies to.',
  reliance: {
    freshness: 'No "as of" time: Okta answers its policies and rules at `collectedAt`.',
    doesNotTest:
      'Sign-on policies of applications other than the Okta Dashboard and the Admin Console, and network zones or device conditions of a rule beyond whether it requires a factor.',
    limitations:
      'A rule whose factor requirement cannot be told fails; policies or rules not read to the end fail.',
  },
  run(snapshot) {
    let data: OktaUsersData;
    try {
      data = readOktaUsersData(snapshot.data);
    } catch (err) {
      if (!(err instanceof OktaUsersDataError)) throw err;
      return fail(`the snapshot cannot be judged: ${err.message}.`, ['okta policies']);
    }
    const problems: string[] = [];
    const failing: string[] = [];
    const flag = (id: string, text: string) => {
      failing.push(id);
      problems.push(text);
    };
    for (const type of ['OKTA_SIGN_ON', 'ACCESS_POLICY'] as const) {
      const status = data.policyTypes[type];
      if (!status.complete)
        flag(
          `${type} policies`,
          `the ${type} policies were not read to the end (${status.error ?? 'no reason recorded'})`,
        );
    }

    // Global session (OKTA_SIGN_ON) policies: a rule that allows access requires a factor.
    const signOn = data.policies.filter((p) => p.type === 'OKTA_SIGN_ON' && p.status === 'ACTIVE');
    if (signOn.length === 0 && data.policyTypes.OKTA_SIGN_ON.complete)
      flag(
        'OKTA_SIGN_ON policies',
        'no active OKTA_SIGN_ON policy is recorded: nothing shows that sign-on requires MFA',
      );
    let judged = 0;
    for (const policy of signOn) {
      for (const rule of activeRules(policy, flag)) {
        const signon = (rule.actions as { signon?: { access?: unknown; requireFactor?: unknown } } | null)
          ?.signon;
        if (signon?.access === 'DENY') continue;
        judged++;
        if (signon?.access !== 'ALLOW')
          flag(
            ruleId(policy, rule),
            `${ruleName(policy, rule)} has no recognizable access action: it cannot be judged (${groupsOf(rule, data)})`,
          );
        else if (signon.requireFactor !== true)
          flag(
            ruleId(policy, rule),
            `${ruleName(policy, rule)} allows access without a second factor (requireFactor ${JSON.stringify(signon.requireFactor ?? null)}; applies to ${groupsOf(rule, data)})`,
          );
      }
    }

    // Identity Engine: the Okta Dashboard's and Admin Console's authentication policies need 2FA.
    const engine = data.apps.some((a) => a.accessPolicyId !== null) ? 'Identity Engine' : 'Classic Engine';
    for (const app of data.apps) {
      if (app.accessPolicyId === null) continue;
      const policy = data.policies.find((p) => p.id === app.accessPolicyId);
      if (!policy) {
        flag(
          `${app.label} policy`,
          `the authentication policy of ${app.label} (${app.accessPolicyId}) is not in the snapshot`,
        );
        continue;
      }
      if (policy.status !== 'ACTIVE') continue;
      for (const rule of activeRules(policy, flag)) {
        const sign = (
          rule.actions as {
            appSignOn?: { access?: unknown; verificationMethod?: { type?: unknown; factorMode?: unknown } };
          } | null
        )?.appSignOn;
        if (sign?.access === 'DENY') continue;
        judged++;
        const method = sign?.verificationMethod;
        if (sign?.access !== 'ALLOW' || method?.type !== 'ASSURANCE')
          flag(
            ruleId(policy, rule),
            `${ruleName(policy, rule)} (${app.label}) has a verification method that cannot be judged (${JSON.stringify(method?.type ?? null)}; applies to ${groupsOf(rule, data)})`,
          );
        else if (method.factorMode !== '2FA')
          flag(
            ruleId(policy, rule),
            `${ruleName(policy, rule)} (${app.label}) allows one factor (factorMode ${JSON.stringify(method.factorMode ?? null)}; applies to ${groupsOf(rule, data)})`,
          );
      }
    }
    if (problems.length) return fail(`${problems.join('; ')}.`, failing);
    return pass(
      `${judged} active rule(s) allowing access require MFA: ${signOn.length} sign-on policy(ies)${engine === 'Identity Engine' ? ` and the authentication policies of ${data.apps.map((a) => a.label).join(' and ')} (two factors)` : ' (Classic Engine: no app authentication policies)'}.`,
    );
  },
});

/** The ACTIVE rules of a policy; rules not read make the check fail for that policy. */
function activeRules(policy: OktaPolicy, flag: (id: string, text: string) => void): OktaPolicyRule[] {
  if (policy.rules === null) {
    flag(`${policy.name} rules`, `the rules of ${policy.type} policy "${policy.name}" were not read`);
    return [];
  }
  return policy.rules.filter((r) => r.status === 'ACTIVE');
}

function ruleId(policy: OktaPolicy, rule: OktaPolicyRule): string {
  return `${policy.name} / ${rule.name}`;
}

function ruleName(policy: OktaPolicy, rule: OktaPolicyRule): string {
  return `rule "${rule.name}" of ${policy.type} policy "${policy.name}"`;
}

/** "Everyone, Contractors" from the rule's people condition; every user when it names none. */
function groupsOf(rule: OktaPolicyRule, data: OktaUsersData): string {
  const ids = ruleGroupIds(rule, 'include');
  const excluded = ruleGroupIds(rule, 'exclude');
  const name = (id: string) => data.groupNames[id] ?? id;
  const included = ids.length ? `groups ${ids.map(name).join(', ')}` : 'every user';
  return excluded.length ? `${included} except ${excluded.map(name).join(', ')}` : included;
}
