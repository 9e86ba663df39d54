/** The AWS organization (CC2.1, CC6.1): the in-scope account inventory. */
import type { CollectorModule } from '../types.js';
import { organization } from './declaration.js';

export default { collector: organization, checks: [] } satisfies CollectorModule;
