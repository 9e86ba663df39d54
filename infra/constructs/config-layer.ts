/**
 * The validated configuration as a file in a Lambda layer (`/opt/evidence.config.json`),
 * named to each function by EVIDENCE_CONFIG: not an environment variable, whose 4 KB limit
 * stopped the stack at about 50 named accounts. A layer holds up to 50 MB zipped, and a
 * changed configuration is a new layer version (content-hashed asset), so a deployment
 * always hands every function the configuration it was synthesized with.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Architecture, Code, LayerVersion } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config.js';
import { EVIDENCE_RUNTIME, type EvidenceFunction } from './evidence-function.js';

/** Where a layer's files appear in the function. */
const CONFIG_FILE_IN_LAMBDA = '/opt/evidence.config.json';

export class ConfigLayer extends Construct {
  readonly layer: LayerVersion;
  /** The file that was packaged (synth-time path; tests read it). */
  readonly file: string;

  constructor(scope: Construct, id: string, props: { readonly config: Config }) {
    super(scope, id);
    const json = `${JSON.stringify(props.config, null, 1)}\n`;
    const dir = path.join(
      tmpdir(),
      `evidence-config-${createHash('sha256').update(json).digest('hex').slice(0, 20)}`,
    );
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, path.basename(CONFIG_FILE_IN_LAMBDA));
    writeFileSync(this.file, json);
    this.layer = new LayerVersion(this, 'Layer', {
      code: Code.fromAsset(dir),
      compatibleArchitectures: [Architecture.ARM_64],
      compatibleRuntimes: [EVIDENCE_RUNTIME],
      description: 'Evidence Locker: the validated evidence.config.json',
    });
  }

  /** Give a function the configuration: the layer and the variable that names the file. */
  bind(fn: EvidenceFunction): void {
    fn.addLayers(this.layer);
    fn.addEnvironment('EVIDENCE_CONFIG', CONFIG_FILE_IN_LAMBDA);
  }
}
