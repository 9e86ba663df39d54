/**
 * `okta.users` in evidence.config.json: what the okta-users collector records about each user
 * and how its checks judge dormancy. The section is optional: okta-users is on whenever the
 * configuration has `okta`, with these defaults.
 */
import * as z from 'zod';
import type { CollectorSettings } from '../types.js';

/** A profile attribute name as Okta's user schema allows (letters, digits, `_`, `.`, `-`). */
const attributeName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/,
    'expected an Okta profile attribute name such as "department" or "employeeType"',
  );

export const DEFAULT_PROFILE_ATTRIBUTES = ['department', 'employeeType', 'title', 'manager'] as const;

export const UsersSettingsSchema = z
  .object({
    profileAttributes: z
      .array(attributeName)
      .max(50)
      .default([...DEFAULT_PROFILE_ATTRIBUTES]),
    dormantDays: z.number().int().min(1).max(3650).default(90),
    /** The profile attribute holding a person's GitHub login (access-revoked-on-termination). */
    githubLoginAttribute: attributeName.optional(),
    /**
     * Up to this many users, every user's factors are read every day; beyond it, a rolling
     * schedule (docs/okta-github.md, "okta-users at scale").
     */
    fullFactorReadMaxUsers: z.number().int().min(1).max(100_000).default(5000),
    /**
     * At most this many factor reads in one run (one invocation): 3,600 take 12 minutes at half
     * of Okta's default 600 a minute. What does not fit is deferred to the next run, most
     * urgent first; the runs of one day share the day's rolling share.
     */
    factorReadsPerRun: z.number().int().min(1).max(100_000).default(3600),
  })
  .strict();

export type UsersSettings = z.infer<typeof UsersSettingsSchema>;

/** The settings in effect: the section as validated, or every default when it is absent. */
export function usersSettingsOf(settings: UsersSettings | undefined): UsersSettings {
  return settings ?? UsersSettingsSchema.parse({});
}

export const usersSettings: CollectorSettings<UsersSettings> = {
  key: 'users',
  schema: UsersSettingsSchema,
  keys: [
    {
      key: 'profileAttributes',
      default: '`["department", "employeeType", "title", "manager"]`',
      meaning:
        'profile attributes recorded for each user (the strata `sample --population users --strata` can use)',
    },
    {
      key: 'dormantDays',
      default: '90',
      meaning:
        '`okta-dormant-users`: a user who can sign in and has not for this many days is dormant (never signed in: counted from activation)',
    },
    {
      key: 'githubLoginAttribute',
      default: '(none)',
      meaning:
        "profile attribute holding a person's GitHub login (links leavers to GitHub when SAML single sign-on does not)",
    },
    {
      key: 'fullFactorReadMaxUsers',
      default: '5000',
      meaning:
        "up to this many users every user's factors are read daily; beyond it a rolling weekly re-read plus the System Log's factor events",
    },
    {
      key: 'factorReadsPerRun',
      default: '3600',
      meaning:
        'factor reads in one run at most (12 min at half of 600/min, within one 15-minute invocation); the rest is deferred to the next run (`schedule.collectAgain`, on by default, or `collect` again), most urgent first; when the runs a day cannot keep every user within 8 days, each snapshot is `partial` and says so',
    },
  ],
};
