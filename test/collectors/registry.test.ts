import { describe, expect, it } from 'vitest';
import { COLLECTORS, findCollector } from '../../shared/collectors/registry.js';
import { KeySegment } from '../../shared/evidence/snapshot.js';

describe('collector registry', () => {
  it('pins the registered collector ids', () => {
    expect(COLLECTORS.map((c) => c.id)).toEqual([
      'guardduty',
      'iam',
      'aws-config',
      'cloudtrail',
      'aws-regions',
      'organization',
      'aws-identity-center',
      'okta',
      'okta-users',
      'github',
      'github-changes',
      'github-members',
      'change-records',
      'encryption',
      'backup',
      'inspector',
      'github-vulnerabilities',
    ]);
  });

  it('every collector has a key-safe id, a source, SOC 2 controls and a description', () => {
    for (const c of COLLECTORS) {
      expect(KeySegment.safeParse(c.id).success).toBe(true);
      expect(['aws', 'okta', 'github']).toContain(c.source);
      expect(c.controls.length).toBeGreaterThan(0);
      for (const control of c.controls) expect(control).toMatch(/^(CC\d|A1)\.\d$/);
      expect(c.description.length).toBeGreaterThan(10);
      expect(findCollector(c.id)).toBe(c);
    }
  });
});
