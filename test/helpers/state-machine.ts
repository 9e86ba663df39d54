/**
 * A state machine's definition (the fan-out's, the verify run's) as JSON (Amazon States Language), read from a
 * synthesized template: the DefinitionString's Fn::Join with every CloudFormation reference
 * replaced by a readable placeholder (`arn:<LogicalId>`). Step Functions cannot run locally;
 * this is what the tests read its shape from, and what hands the shard handler exactly the
 * input the Distributed Map's ItemSelector builds (applySelector).
 */

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation and ASL JSON
export type Json = Record<string, any>;

export function stateMachineDefinition(
  resources: Record<string, Json>,
  /** The construct whose state machine (its logical id's start): `CollectAws`, `VerifyRun`. */
  which: string,
): { logicalId: string; asl: Json } {
  const machines = Object.entries(resources).filter(
    ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith(which),
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine ${which}*, found ${machines.length}`);
  const [logicalId, machine] = machines[0]!;
  const body = machine.Properties.DefinitionString;
  const text =
    typeof body === 'string'
      ? body
      : (body['Fn::Join'][1] as unknown[])
          .map((part) => {
            if (typeof part === 'string') return part;
            const p = part as Json;
            if (p['Fn::GetAtt']) return `arn:${p['Fn::GetAtt'][0]}`;
            if (p.Ref) return `ref:${p.Ref}`;
            throw new Error(`unexpected part of the definition: ${JSON.stringify(part)}`);
          })
          .join('');
  return { logicalId, asl: JSON.parse(text) as Json };
}

/** A JSONPath of the forms ASL selectors use here: `$.a.b` (the state input) or `$$.Map.Item.Value`. */
function readPath(path: string, input: Json, context: Json): unknown {
  const [root, ...rest] = path.startsWith('$$.')
    ? [context, ...path.slice(3).split('.')]
    : [input, ...path.slice(2).split('.')];
  let value: unknown = root;
  for (const key of rest) {
    if (value === null || typeof value !== 'object' || !(key in (value as Json))) {
      throw new Error(`${path}: no "${key}" in ${JSON.stringify(value)}`);
    }
    value = (value as Json)[key];
  }
  return value;
}

/** Apply a Parameters/ItemSelector object (keys ending in `.$` are paths) as Step Functions does. */
export function applySelector(selector: Json, input: Json, context: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(selector)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = readPath(value as string, input, context);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      out[key] = applySelector(value as Json, input, context);
    else out[key] = value;
  }
  return out;
}
