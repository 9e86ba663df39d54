#!/usr/bin/env node
// The `evidence` command: runs the TypeScript CLI through tsx, so `npx evidence` works
// straight after `npm ci`, with no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { ignoreClosedStdout } = await import('../shared/cli/output.ts');
ignoreClosedStdout();
const { main } = await import('../shared/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is done and all it wrote is written. What it abandoned at its --deadline (a request
// to a server that never answers, with its retries still to come) must not keep the process
// alive for minutes: once stdout and stderr are flushed, the process ends.
await Promise.all(
  [process.stdout, process.stderr].map((s) =>
    s.destroyed ? undefined : new Promise((resolve) => s.write('', () => resolve(undefined))),
  ),
);
process.exit(code);
