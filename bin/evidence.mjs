#!/usr/bin/env node
// The `evidence` command: runs the TypeScript CLI through tsx, so `npx evidence` works
// straight after `npm ci`, with no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { ignoreClosedStdout } = await import('../shared/cli/output.ts');
ignoreClosedStdout();
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
