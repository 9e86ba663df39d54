/**
 * Every check, in one list; test/checks/registry.test.ts pins the registered ids.
 */
import { cloudTrailLoggingCheck } from './cloudtrail-logging.js';
import { configRecordingCheck } from './config-recording.js';
import { githubBranchProtectionCheck } from './github-branch-protection.js';
import { guardDutyEnabledCheck } from './guardduty-enabled.js';
import { iamConsoleMfaCheck } from './iam-console-mfa.js';
import { iamKeyRotationCheck } from './iam-key-rotation.js';
import { oktaPrivilegedGroupsCheck } from './okta-privileged-groups.js';
import type { AnyCheck } from './types.js';

export const CHECKS: readonly AnyCheck[] = [
  guardDutyEnabledCheck,
  cloudTrailLoggingCheck,
  configRecordingCheck,
  iamConsoleMfaCheck,
  iamKeyRotationCheck,
  oktaPrivilegedGroupsCheck,
  githubBranchProtectionCheck,
];

export function findCheck(id: string): AnyCheck | undefined {
  return CHECKS.find((c) => c.id === id);
}

/** Every check mapped to a control, e.g. "CC7.2". */
export function checksForControl(control: string): AnyCheck[] {
  return CHECKS.filter((c) => c.controls.includes(control));
}
