/**
 * One AWS emulator (moto server) for the whole test run, on a free 127.0.0.1 port,
 * stopped at the end. Each test file then works in an AWS account of its own
 * (emulator-env.ts), which is an empty emulator state: files can run in parallel.
 */
import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../scripts/emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const emulator = await startEmulator();
  project.provide('awsEndpoint', emulator.url);
  return () => emulator.stop();
}
