/** GitHub Dependabot alerts (CC7.1): the collector's declaration and its check, no collector code. */
import type { CollectorModule } from '../types.js';
import { githubVulnerabilities } from './declaration.js';
import { dependabotVulnerabilitiesCheck } from './vulnerabilities-within-sla.js';

export default {
  collector: githubVulnerabilities,
  checks: [dependabotVulnerabilitiesCheck],
} satisfies CollectorModule;
