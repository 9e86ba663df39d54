import { describe, expect, it } from 'vitest';
import { CHECKS, checksForControl, findChecks } from '../../shared/checks/registry.js';
import { findCollector } from '../../shared/collectors/registry.js';

describe('check registry', () => {
  it('pins the registered check ids (README.md, Sources and checks)', () => {
    expect(CHECKS.map((c) => c.id)).toEqual([
      'guardduty-enabled',
      'iam-console-mfa',
      'iam-key-rotation',
      'config-recording',
      'cloudtrail-logging',
      'regions-covered',
      'okta-privileged-groups',
      'okta-mfa-enrolled',
      'okta-mfa-required',
      'okta-dormant-users',
      'access-revoked-on-termination',
      'github-branch-protection',
      'change-peer-reviewed',
      'no-direct-push',
      'github-members-2fa',
      'emergency-change-gate',
      'encryption-at-rest',
      's3-public-access-blocked',
      'backups-recent',
      'inspector-enabled',
      'vulnerabilities-within-sla',
      'vulnerabilities-within-sla',
    ]);
  });

  it('maps each check to its documented controls and to a registered collector', () => {
    const controls = Object.fromEntries(CHECKS.map((c) => [c.id, [...c.controls]]));
    expect(controls).toEqual({
      'guardduty-enabled': ['CC7.2'],
      'cloudtrail-logging': ['CC7.2'],
      'regions-covered': ['CC2.1', 'CC7.2'],
      'config-recording': ['CC7.2'],
      'iam-console-mfa': ['CC6.1'],
      'iam-key-rotation': ['CC6.1'],
      'okta-privileged-groups': ['CC6.2', 'CC6.3'],
      'access-revoked-on-termination': ['CC6.2', 'CC6.3'],
      'okta-mfa-enrolled': ['CC6.1'],
      'okta-mfa-required': ['CC6.1'],
      'okta-dormant-users': ['CC6.2'],
      'github-branch-protection': ['CC8.1'],
      'change-peer-reviewed': ['CC8.1'],
      'no-direct-push': ['CC8.1'],
      'emergency-change-gate': ['CC8.1'],
      'encryption-at-rest': ['CC6.1'],
      's3-public-access-blocked': ['CC6.1'],
      'backups-recent': ['A1.2'],
      'inspector-enabled': ['CC7.1'],
      'vulnerabilities-within-sla': ['CC7.1'],
      'github-members-2fa': ['CC6.1'],
    });
    for (const check of CHECKS) {
      expect(findCollector(check.collector), check.id).toBeDefined();
      expect(findChecks(check.id)).toContain(check);
    }
    expect(checksForControl('CC7.2').map((c) => c.id)).toEqual([
      'guardduty-enabled',
      'config-recording',
      'cloudtrail-logging',
      'regions-covered',
    ]);
  });
});
