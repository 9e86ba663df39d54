/** `npx cdk synth|deploy`: the Evidence Locker app from evidence.config.json (or -c config=PATH). */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../shared/errors.js';
import { loadStackConfig } from './config.js';
import { buildApp } from './stacks.js';

const app = new App();
try {
  buildApp(app, loadStackConfig(app.node.tryGetContext('config')), {
    note: (message) => process.stderr.write(`evidence: ${message}\n`),
  });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`evidence: ${err.message}\n`);
  process.exit(2);
}
