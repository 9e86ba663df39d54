/** cdk.json sets every CDK feature flag to the value aws-cdk-lib currently recommends, and no unknown flag. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CURRENTLY_RECOMMENDED_FLAGS, FLAGS } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/constructs/evidence-function.js';

const context = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

describe('CDK feature flags', () => {
  it('are all set to their recommended values', () => {
    const wrong = Object.entries(CURRENTLY_RECOMMENDED_FLAGS)
      .filter(([flag, value]) => JSON.stringify(context[flag]) !== JSON.stringify(value))
      .map(
        ([flag, value]) => `${flag}: ${JSON.stringify(context[flag])}, recommended ${JSON.stringify(value)}`,
      );
    expect(wrong).toEqual([]);
  });

  it('names no flag aws-cdk-lib does not know (a typo would silently do nothing)', () => {
    const unknown = Object.keys(context).filter((k) => k.startsWith('@aws-cdk') && !(k in FLAGS));
    expect(unknown).toEqual([]);
  });
});
