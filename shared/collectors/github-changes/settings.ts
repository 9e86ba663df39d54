/**
 * `github.changes` in evidence.config.json: turns on the github-changes collector (and, with
 * `records`, the change-records collector, which shares this section).
 */
import * as z from 'zod';
import type { CollectorSettings } from '../types.js';

const regex = z.string().refine(
  (text) => {
    try {
      new RegExp(text, 'g');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a JavaScript regular expression, e.g. "[A-Z][A-Z0-9]+-\\\\d+"' },
);

export const ChangesSettingsSchema = z
  .object({
    ticketPattern: regex.optional(),
    emergencyLabel: z.string().min(1).default('emergency'),
    emergencySlaHours: z.number().int().min(1).max(720).default(24),
    reviewWindowHours: z.number().int().min(1).max(2160).default(48),
    allowStaleApprovals: z.boolean().default(false),
    records: z
      .object({
        repository: z
          .string()
          .regex(
            /^(?:[A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/,
            'expected "name" or "owner/name" of a repository',
          ),
        path: z
          .string()
          .min(1)
          .regex(/^[^:]+$/, 'expected a directory path in the repository, without ":"'),
        ref: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ChangesSettings = z.infer<typeof ChangesSettingsSchema>;

export const changesSettings: CollectorSettings<ChangesSettings> = {
  key: 'changes',
  schema: ChangesSettingsSchema,
  keys: [
    {
      key: 'ticketPattern',
      default: '(none)',
      meaning: 'regular expression for ticket references in a pull request title, body or branch',
    },
    {
      key: 'emergencyLabel',
      default: '`emergency`',
      meaning: 'pull request label marking an emergency change (it must then link a change record)',
    },
    {
      key: 'emergencySlaHours',
      default: '24',
      meaning: 'retroactive approval of an emergency change within this many hours of deployment',
    },
    {
      key: 'reviewWindowHours',
      default: '48',
      meaning: 'post-implementation review of an emergency change within this many hours of deployment',
    },
    {
      key: 'allowStaleApprovals',
      default: 'false',
      meaning: 'count approvals given before the last push (on an earlier commit)',
    },
    {
      key: 'records',
      default: '(none)',
      meaning:
        '`{ "repository", "path", "ref"? }`: where change records (YAML or JSON, one per change) are kept; turns on `change-records`',
    },
  ],
};
