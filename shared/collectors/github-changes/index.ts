/** GitHub changes (CC8.1): merged pull requests, their reviews, and direct pushes. */
import type { CollectorModule } from '../types.js';
import { changePeerReviewedCheck } from './change-peer-reviewed.js';
import { githubChanges } from './declaration.js';
import { noDirectPushCheck } from './no-direct-push.js';
import { changesPopulation } from './population.js';

export default {
  collector: githubChanges,
  checks: [changePeerReviewedCheck, noDirectPushCheck],
  populations: [changesPopulation],
} satisfies CollectorModule;
