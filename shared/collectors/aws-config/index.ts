/** AWS Config: the collector and its checks (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { awsConfigCollector } from './collector.js';
import { configRecordingCheck } from './config-recording.js';

export default { collector: awsConfigCollector, checks: [configRecordingCheck] } satisfies CollectorModule;
