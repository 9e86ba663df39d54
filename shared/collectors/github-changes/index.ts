/** GitHub changes (CC8.1): merged pull requests, their reviews, and direct pushes. */
import type { CollectorModule } from '../types.js';
import { changePeerReviewedCheck } from './change-peer-reviewed.js';
import { githubChangesCollector } from './collector.js';
import { noDirectPushCheck } from './no-direct-push.js';
import { changesPopulation } from './population.js';

export default {
  collector: githubChangesCollector,
  checks: [changePeerReviewedCheck, noDirectPushCheck],
  populations: [changesPopulation],
} satisfies CollectorModule;
