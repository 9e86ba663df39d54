/**
 * Enough of the IAM policy grammar and evaluation logic to check the organization guard rails
 * (shared/deploy/organization-policies.ts) without AWS: `policyGrammarProblems` checks a
 * document against the SCP or RCP grammar of the AWS Organizations user guide ("SCP syntax",
 * "RCP syntax"); `deniedBy` says which Deny statements match a request (action and resource
 * wildcards, and the condition operators the guard rails use). An operator it does not know
 * throws: the evaluation never guesses.
 */

/** Services whose resources an RCP can guard (AWS Organizations user guide, "RCPs"). */
const RCP_SERVICES = new Set([
  's3',
  'sts',
  'kms',
  'sqs',
  'secretsmanager',
  'ecr',
  'aoss',
  'cognito-identity',
  'logs',
  'dynamodb',
]);

const OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
  'Bool',
  'Null',
  'NumericEquals',
  'NumericLessThan',
  'DateLessThan',
  'IpAddress',
  'NotIpAddress',
]);

export type PolicyKind = 'SCP' | 'RCP';

/** Every way `doc` breaks the grammar of its kind (empty: valid). */
export function policyGrammarProblems(doc: unknown, kind: PolicyKind, maxCharacters = 5120): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(doc);
  if (text.length > maxCharacters) problems.push(`${text.length} characters, over ${maxCharacters}`);
  if (/\$\{|Token\[|\bundefined\b/.test(text)) problems.push('an unresolved token or undefined value');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return [...problems, 'not a JSON object'];
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d))
    if (k !== 'Version' && k !== 'Statement') problems.push(`unknown top-level ${k}`);
  if (d.Version !== '2012-10-17') problems.push(`Version ${String(d.Version)}`);
  if (!Array.isArray(d.Statement) || d.Statement.length === 0) return [...problems, 'no Statement array'];
  const sids = new Set<string>();
  const allowed = new Set([
    'Sid',
    'Effect',
    'Action',
    'Resource',
    'Condition',
    ...(kind === 'RCP' ? ['Principal'] : ['NotAction', 'NotResource']),
  ]);
  d.Statement.forEach((raw, i) => {
    const s = raw as Record<string, unknown>;
    const at = `Statement[${i}]`;
    for (const k of Object.keys(s))
      if (!allowed.has(k)) problems.push(`${at}: ${k} is not allowed in an ${kind}`);
    if (typeof s.Sid === 'string') {
      if (!/^[A-Za-z0-9]+$/.test(s.Sid)) problems.push(`${at}: Sid ${s.Sid} is not alphanumeric`);
      if (sids.has(s.Sid)) problems.push(`${at}: Sid ${s.Sid} repeated`);
      sids.add(s.Sid);
    }
    if (s.Effect !== 'Deny') problems.push(`${at}: Effect ${String(s.Effect)} (only Deny guards anything)`);
    if (kind === 'RCP' && s.Principal !== '*') problems.push(`${at}: an RCP's Principal must be "*"`);
    const actions = asList(s.Action);
    if (actions.length === 0) problems.push(`${at}: no Action`);
    for (const a of actions) {
      const m = /^([a-z0-9-]+):([A-Za-z0-9*?]+)$/.exec(a);
      if (!m) problems.push(`${at}: action ${a} is not service:Action`);
      else if (kind === 'RCP' && !RCP_SERVICES.has(m[1]!))
        problems.push(`${at}: RCPs do not support ${m[1]}`);
    }
    const resources = asList(s.Resource);
    if (resources.length === 0) problems.push(`${at}: no Resource`);
    for (const r of resources)
      if (r !== '*' && !/^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/.test(r))
        problems.push(`${at}: resource ${r} is no ARN`);
    if (s.Condition !== undefined) {
      for (const [op, block] of Object.entries(s.Condition as Record<string, unknown>)) {
        const base = op.replace(/IfExists$/, '').replace(/^(ForAllValues|ForAnyValue):/, '');
        if (!OPERATORS.has(base)) problems.push(`${at}: unknown condition operator ${op}`);
        if (typeof block !== 'object' || block === null) problems.push(`${at}: ${op} is not an object`);
      }
    }
  });
  return problems;
}

export interface PolicyRequest {
  action: string;
  resource: string;
  /** The request context: aws:PrincipalArn, s3:object-lock-mode, ... (absent keys are absent). */
  context: Record<string, string>;
}

/** The Sids of the Deny statements of `doc` that match `request`. */
export function deniedBy(doc: { Statement: readonly object[] }, request: PolicyRequest): string[] {
  return (doc.Statement as readonly Record<string, unknown>[])
    .filter((s) => {
      if (s.Effect !== 'Deny') return false;
      if (!asList(s.Action).some((a) => glob(a, request.action, true))) return false;
      if (!asList(s.Resource).some((r) => glob(r, request.resource, false))) return false;
      return conditionsHold((s.Condition ?? {}) as Record<string, Record<string, unknown>>, request.context);
    })
    .map((s) => String(s.Sid));
}

function conditionsHold(
  condition: Record<string, Record<string, unknown>>,
  context: Record<string, string>,
): boolean {
  return Object.entries(condition).every(([op, block]) =>
    Object.entries(block).every(([key, expected]) => {
      const values = asList(expected);
      const actual = context[key];
      const ifExists = op.endsWith('IfExists');
      const base = op.replace(/IfExists$/, '');
      if (base === 'Null') return (actual === undefined) === (String(expected) === 'true');
      // An absent key: ...IfExists matches; a negated operator matches (the value is not equal);
      // a positive one does not (IAM User Guide, "Condition operators").
      if (actual === undefined) return ifExists || /Not/.test(base);
      switch (base) {
        case 'StringEquals':
        case 'ArnEquals':
          return values.includes(actual);
        case 'StringNotEquals':
        case 'ArnNotEquals':
          return !values.includes(actual);
        case 'StringLike':
        case 'ArnLike':
          return values.some((v) => glob(v, actual, false));
        case 'StringNotLike':
        case 'ArnNotLike':
          return !values.some((v) => glob(v, actual, false));
        case 'Bool':
          return values.includes(actual);
        default:
          throw new Error(`the test evaluator does not know the condition operator ${op}`);
      }
    }),
  );
}

function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseInsensitive ? 'i' : '',
  );
  return re.test(value);
}

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}
