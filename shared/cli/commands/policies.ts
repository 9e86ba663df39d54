import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { Option } from 'commander';
import { awsClientOptions, defaultRegion } from '../../aws/clients.js';
import {
  type GuardedStack,
  MAX_POLICY_CHARACTERS,
  organizationPolicies,
  type PolicyDocument,
  policyText,
} from '../../deploy/organization-policies.js';
import { ConfigError, SourceUnavailableError, UsageError } from '../../errors.js';
import { shellArg, terminalText } from '../../text/escape.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

export const policiesCommand: CommandSpec = {
  define: (program) =>
    program
      .command('policies')
      .summary('write the organization guard rails (RCP and SCP) of the deployed stack')
      .description(
        "Read the deployed evidence stack's outputs (CloudFormation, with the evidence account's credentials) and " +
          'write a resource control policy and a service control policy that deny, to every principal but the ' +
          "stack's deployment role, changes to the locker bucket's policy, lock and lifecycle, deleting or unlocking " +
          "evidence, disabling, deleting or re-policing the signing key, and changes to the stack's IAM roles. " +
          'Attach them in the management account (docs/deploy.md, "Organization guard rails").\n\n' +
          'Example:\n  AWS_PROFILE=evidence npx evidence policies --out policies/',
      )
      .addOption(
        new Option(
          '--out <dir>',
          'directory for <stack>-rcp.json and <stack>-scp.json',
        ).makeOptionMandatory(),
      )
      .addOption(new Option('--stack <name>', 'the evidence stack (default: deploy.prefix)'))
      .addOption(
        new Option('--region <region>', "the stack's region (default: deploy.region, else the SDK's)"),
      ),
  async run(ctx, options) {
    const config = ctx.loadConfig();
    if (config.locker.trial)
      throw new ConfigError(
        'locker.trial: a trial locker is meant to be thrown away; organization guard rails would stop its deletion (deploy a real locker first)',
      );
    const stackName = (options.stack as string | undefined) ?? config.deploy.prefix;
    const region = (options.region as string | undefined) ?? config.deploy.region ?? defaultRegion();
    const stack = await readGuardedStack(stackName, region);
    const policies = organizationPolicies(stack);
    const dir = String(options.out);
    mkdirSync(dir, { recursive: true });
    const files = {
      rcp: path.join(dir, `${stackName}-rcp.json`),
      scp: path.join(dir, `${stackName}-scp.json`),
    };
    writeFileSync(files.rcp, readable(policies.rcp));
    writeFileSync(files.scp, readable(policies.scp));
    if (ctx.json) {
      ctx.out(json({ stack, files, ...policies }));
      return 0;
    }
    const name = (kind: string) => shellArg(`${stackName}-${kind}`);
    ctx.out(
      terminalText(
        [
          `wrote ${files.rcp} (resource control policy: the bucket ${stack.bucket} and the key(s), against every principal)`,
          `wrote ${files.scp} (service control policy: the same for the organization's principals, and the roles ${stack.stackName}-*)`,
          `the only exemption: ${stack.deploymentRoleArn}`,
          '',
          'In the management account (docs/deploy.md, "Organization guard rails"):',
          `  aws organizations create-policy --type RESOURCE_CONTROL_POLICY --name ${name('rcp')} --description "Evidence Locker guard rails" --content file://${shellArg(files.rcp)}`,
          `  aws organizations create-policy --type SERVICE_CONTROL_POLICY --name ${name('scp')} --description "Evidence Locker guard rails" --content file://${shellArg(files.scp)}`,
          `  aws organizations attach-policy --policy-id <each policy id> --target-id ${stack.account}`,
          '',
        ].join('\n'),
      ),
    );
    return 0;
  },
};

/** Pretty JSON when it fits Organizations' limit (every character counts), else compact. */
function readable(doc: PolicyDocument): string {
  const pretty = `${JSON.stringify(doc, null, 2)}\n`;
  return pretty.length <= MAX_POLICY_CHARACTERS ? pretty : `${policyText(doc)}\n`;
}

/** The outputs of the deployed stack that the guard rails name (infra/evidence-stack.ts writes them). */
export async function readGuardedStack(stackName: string, region: string): Promise<GuardedStack> {
  const cfn = new CloudFormationClient(awsClientOptions(region));
  let described: DescribeStacksCommandOutput;
  try {
    described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (err) {
    const e = err as Error;
    if (e.name === 'ValidationError')
      throw new UsageError(
        `no stack ${stackName} in ${region} (${e.message}): name the deployed evidence stack with --stack and --region, using the evidence account's credentials`,
      );
    throw new SourceUnavailableError(
      `cannot describe the stack ${stackName} in ${region} (${e.name}: ${e.message})`,
      {
        cause: err,
      },
    );
  } finally {
    cfn.destroy();
  }
  const stack = described.Stacks?.[0];
  const outputs = new Map((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const arn = /^arn:([^:]+):cloudformation:[^:]+:(\d{12}):stack\//.exec(stack?.StackId ?? '');
  const need = (key: keyof typeof OUTPUT_SHAPES): string => {
    const value = outputs.get(key);
    if (!value)
      throw new UsageError(
        `the stack ${stackName} has no output ${key}: it was deployed by an earlier version; deploy it again (npx cdk deploy) and rerun`,
      );
    return shaped(key, value);
  };
  if (!arn) throw new SourceUnavailableError(`the stack ${stackName} has no readable StackId`);
  const lockerKey = outputs.get('LockerKeyArn');
  const lockerKeyArn = lockerKey === undefined ? undefined : shaped('LockerKeyArn', lockerKey);
  return {
    partition: arn[1]!,
    account: arn[2]!,
    stackName,
    bucket: need('LockerBucket'),
    signingKeyArn: need('SigningKeyArn'),
    ...(lockerKeyArn && { lockerKeyArn }),
    deploymentRoleArn: need('DeploymentRoleArn'),
  };
}

/**
 * What each output must look like: a policy built from a value with a wildcard or a quote in it
 * would guard something else (or nothing), so anything else is refused.
 */
const OUTPUT_SHAPES = {
  LockerBucket: { re: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, expected: 'an S3 bucket name' },
  SigningKeyArn: { re: /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, expected: 'a KMS key ARN' },
  LockerKeyArn: { re: /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, expected: 'a KMS key ARN' },
  DeploymentRoleArn: {
    re: /^arn:[a-z-]+:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
    expected: 'an IAM role ARN',
  },
} as const;

function shaped(key: keyof typeof OUTPUT_SHAPES, value: string): string {
  const shape = OUTPUT_SHAPES[key];
  if (!shape.re.test(value))
    throw new SourceUnavailableError(
      `the stack output ${key} is ${JSON.stringify(value)}, expected ${shape.expected}: no policy was written`,
    );
  return value;
}
