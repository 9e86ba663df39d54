/** AWS Config: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { configRecordingCheck } from './config-recording.js';
import { awsConfig } from './declaration.js';

export default { collector: awsConfig, checks: [configRecordingCheck] } satisfies CollectorModule;
