/**
 * Who reviews each account. A reviewers file (`--reviewers FILE`, JSON) maps accounts, groups
 * (Okta groups, IAM groups, GitHub `role:admin` / `role:member` / `outside-collaborators` /
 * `repo:<name>`) and a default to a reviewer (their login in the system), and names delegates:
 *
 *   { "accounts": { "bruno-acme": "ana-acme" }, "groups": { "Administrators": "ciso@acme.example" },
 *     "default": "ciso@acme.example", "delegates": { "ciso@acme.example": ["deputy@acme.example"] } }
 *
 * Order: the account's own entry, then the Okta `manager` attribute, then its groups (in name
 * order), then the default. A rule that would make someone review their own account is passed
 * over; an account no rule assigns refuses the campaign (it could never be complete).
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { oneLine } from '../text/escape.js';
import type { ReviewAccount } from './population.js';

const Name = z
  .string()
  .transform((s) => oneLine(s).trim())
  .refine((s) => s.length > 0 && s.length <= 256, 'expected a login (1 to 256 characters)');

const ReviewersFile = z
  .object({
    accounts: z.record(z.string(), Name).default({}),
    groups: z.record(z.string(), Name).default({}),
    default: Name.optional(),
    delegates: z.record(z.string(), z.array(Name)).default({}),
  })
  .strict();
export type Reviewers = z.infer<typeof ReviewersFile>;

export const NO_REVIEWERS: Reviewers = { accounts: {}, groups: {}, delegates: {} };

/** Read and validate a reviewers file; a usage error names the file, the key and the fix. */
export function readReviewersFile(file: string): { reviewers: Reviewers; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(
      `--reviewers ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`--reviewers ${file}: not valid JSON`);
  }
  const parsed = ReviewersFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown key(s) ${issue.keys.map((k) => JSON.stringify(oneLine(k))).join(', ')}; expected accounts, groups, default, delegates`
        : issue.message;
    throw new UsageError(`--reviewers ${file}: ${where}: ${what}`);
  }
  return { reviewers: parsed.data, sha256: sha256Hex(bytes) };
}

export interface Assignment {
  account: string;
  reviewer: string;
  /** Which rule assigned it: account, manager, group:<name>, default. */
  via: string;
}

/** True when `name` is one of the account's own identities (case-insensitive). */
export function isOwnAccount(account: Pick<ReviewAccount, 'account' | 'identities'>, name: string): boolean {
  const n = name.trim().toLowerCase();
  return [account.account, ...account.identities].some((i) => i.toLowerCase() === n);
}

/** Assign every account; UsageError listing the accounts no rule assigns. */
export function assignReviewers(accounts: readonly ReviewAccount[], reviewers: Reviewers): Assignment[] {
  const out: Assignment[] = [];
  const unassigned: string[] = [];
  for (const a of accounts) {
    const candidates: { reviewer: string | undefined; via: string }[] = [
      { reviewer: reviewers.accounts[a.account], via: 'account' },
      { reviewer: a.manager ?? undefined, via: 'manager' },
      ...[...a.groups].sort().map((g) => ({ reviewer: reviewers.groups[g], via: `group:${g}` })),
      { reviewer: reviewers.default, via: 'default' },
    ];
    const chosen = candidates.find((c) => c.reviewer !== undefined && !isOwnAccount(a, c.reviewer));
    if (chosen?.reviewer) out.push({ account: a.account, reviewer: chosen.reviewer, via: chosen.via });
    else unassigned.push(a.account);
  }
  if (unassigned.length)
    throw new UsageError(
      `${unassigned.length} account(s) have no reviewer other than themselves: ${unassigned
        .slice(0, 10)
        .map((a) => JSON.stringify(oneLine(a)))
        .join(
          ', ',
        )}${unassigned.length > 10 ? ', ...' : ''}; give --reviewers FILE with "accounts", "groups" or "default" (see docs/access-reviews.md)`,
    );
  return out;
}
