/**
 * Checkov suppressions live on the resource they excuse, with the reason, in the template's own
 * metadata (`Metadata.checkov.skip: [{ id, comment }]`, Checkov's CloudFormation inline form):
 * a new resource is checked in full, never silently exempt by a global skip list.
 * `scripts/checkov.sh` runs Checkov on the templates as synthesized (clean: every finding is
 * excused where it occurs) and on the same templates without their skips, and fails when a skip
 * excuses nothing (`auditCheckovSkips`): an excuse outlives its reason only until the next CI run.
 */
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/** Excuse the Checkov check `id` on `scope`'s CloudFormation resource (its default child), saying why. */
export function skipCheckov(scope: IConstruct, id: string, comment: string): void {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource))
    throw new Error(
      `skipCheckov: ${scope.node.path} has no CloudFormation resource to carry the skip of ${id}`,
    );
  const skip = ((resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? []).filter(
    (s) => s.id !== id,
  );
  resource.addMetadata('checkov', { skip: [...skip, { id, comment }] });
}

type Template = { Resources?: Record<string, { Metadata?: Record<string, unknown> }> };

/** Every skip a template declares: `<logical id> <check id>` → comment. */
export function checkovSkips(template: Template): Map<string, string> {
  const out = new Map<string, string>();
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    const skips = (r.Metadata?.checkov as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
    for (const s of skips) out.set(`${logicalId} ${s.id}`, s.comment);
  }
  return out;
}

/** The template without any Checkov skip (what Checkov would find with no excuse). */
export function withoutCheckovSkips<T extends Template>(template: T): T {
  const copy = structuredClone(template);
  for (const r of Object.values(copy.Resources ?? {})) {
    if (r.Metadata && 'checkov' in r.Metadata) {
      delete r.Metadata.checkov;
      if (Object.keys(r.Metadata).length === 0) delete r.Metadata;
    }
  }
  return copy;
}

/**
 * Compare the skips a template declares with what Checkov finds without them (each finding as
 * `<logical id> <check id>`): `unused` skips excuse nothing, `unexcused` findings have no skip,
 * `unexplained` skips have no comment. All three must be empty.
 */
export function auditCheckovSkips(
  declared: ReadonlyMap<string, string>,
  findings: Iterable<string>,
): { unused: string[]; unexcused: string[]; unexplained: string[] } {
  const found = new Set(findings);
  return {
    unused: [...declared.keys()].filter((k) => !found.has(k)).sort(),
    unexcused: [...found].filter((k) => !declared.has(k)).sort(),
    unexplained: [...declared.entries()]
      .filter(([, comment]) => comment.trim().length < 20)
      .map(([k]) => k)
      .sort(),
  };
}
