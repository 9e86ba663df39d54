/**
 * The payload EventBridge Scheduler delivers to the functions: the stack's target input
 * (infra/evidence-stack.ts scheduleInput()) with the Scheduler's context attributes filled in.
 */
export function schedulerEvent(scheduledTime: string, schedule = 'EvidenceLocker-CollectSchedule') {
  return {
    source: 'evidence-locker.scheduler',
    scheduleArn: `arn:aws:scheduler:us-east-1:111111111111:schedule/default/${schedule}`,
    scheduledTime,
    executionId: 'c0ffee00-1234-4d5e-9f00-0123456789ab',
    attemptNumber: '1',
  };
}

/** An EventBridge ScheduledEvent (a rule with a schedule), the other shape the handlers accept. */
export function eventBridgeScheduledEvent(time: string) {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '111111111111',
    time,
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:111111111111:rule/evidence-seal'],
    detail: {},
  };
}
