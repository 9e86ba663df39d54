/** AWS IAM Identity Center (CC6.1, CC6.2, CC6.3): the collector's declaration, no collector code. */
import type { CollectorModule } from '../types.js';
import { awsIdentityCenter } from './declaration.js';

export default {
  collector: awsIdentityCenter,
  checks: [],
} satisfies CollectorModule;
