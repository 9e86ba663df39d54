/**
 * How many days to sample, per series, for a control that operates at a given frequency.
 *
 * Source: the sample-size table for tests of controls that the AICPA Audit Guide "Audit
 * Sampling" (2019, chapter 3, tests of controls) and the SOC 2 guide "Reporting on an
 * Examination of Controls at a Service Organization" leave to the auditor's judgement, in
 * the form the large audit firms publish it and SOC 2 auditors apply it:
 *
 *   control frequency        sample size over the period
 *   annual                   1
 *   quarterly                2
 *   monthly                  2 to 5
 *   weekly                   5 to 15
 *   daily                    25 to 60
 *
 * We use the UPPER end of each range. The lower end is for controls the auditor also gets
 * comfort on from other tests; here re-performance is automated and costs a few requests a
 * sample, so the larger sample buys the most assurance for nothing. An auditor who agreed a
 * smaller size passes it with --size N.
 */
export const FREQUENCIES = ['daily', 'weekly', 'monthly', 'quarterly', 'annual'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export interface SizeRow {
  frequency: Frequency;
  /** The range the guidance gives. */
  range: readonly [number, number];
  /** The size we use. */
  size: number;
}

export const SAMPLE_SIZES: readonly SizeRow[] = [
  { frequency: 'annual', range: [1, 1], size: 1 },
  { frequency: 'quarterly', range: [2, 2], size: 2 },
  { frequency: 'monthly', range: [2, 5], size: 5 },
  { frequency: 'weekly', range: [5, 15], size: 15 },
  { frequency: 'daily', range: [25, 60], size: 60 },
];

export const SAMPLE_SIZE_SOURCE =
  'AICPA Audit Guide "Audit Sampling" (tests of controls) and the AICPA SOC 2 guide, as the sample-size ' +
  'table published by the large audit firms: annual 1, quarterly 2, monthly 2-5, weekly 5-15, daily 25-60; ' +
  'the upper end of each range is used because re-performance is automated';

export function isFrequency(text: string): text is Frequency {
  return (FREQUENCIES as readonly string[]).includes(text);
}

export function sampleSizeFor(frequency: Frequency): number {
  return SAMPLE_SIZES.find((r) => r.frequency === frequency)!.size;
}
