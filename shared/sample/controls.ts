/**
 * The Trust Services Criteria the checks map to, named as the AICPA's 2017 TSC (revised 2022)
 * names them (source documents 001 and 003), for workpaper titles and the report.
 */
export const CONTROL_NAMES: Readonly<Record<string, string>> = {
  'CC6.1':
    'Logical access security: software, infrastructure and architectures restrict access to authorised users',
  'CC6.2': 'User registration and authorisation before access is granted; removal when no longer needed',
  'CC6.3': 'Role-based access, least privilege and segregation of duties; access modified or removed in time',
  'CC7.2': 'Monitoring of system components for anomalies indicating malicious acts, disasters or errors',
  'CC8.1': 'Change management: changes are authorised, designed, tested, approved and implemented',
};

/** "CC7.2 (Monitoring of system components ...)" or the id alone when unknown. */
export function controlTitle(id: string): string {
  const name = CONTROL_NAMES[id];
  return name ? `${id} — ${name}` : id;
}

/** What kind of control every check here tests (the nature an auditor records). */
export const CONTROL_NATURE =
  'automated configuration control, operating continuously; evidenced by a daily snapshot of its configuration per series';
