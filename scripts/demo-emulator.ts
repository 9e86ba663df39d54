/**
 * The tour's emulator wrapper (`npm start` only; never in the product's code path, never in
 * the tests of the product): a small HTTP proxy in front of the moto emulator that supplies
 * the states moto cannot hold, so that every exception the tour reports is one it planted:
 *
 * - AWS Config `DescribeConfigurationRecorderStatus`: moto keeps a recording recorder's last
 *   delivery status PENDING forever (AWS reports SUCCESS once it delivers); the wrapper answers
 *   SUCCESS for a recorder that is recording.
 * - GuardDuty `ListMembers` and `GetFindingsStatistics`: moto does not implement them (the
 *   collector would record a `partial` snapshot); the wrapper answers as AWS does for a
 *   stand-alone account with no findings: no members, no counts.
 *
 * Everything else is forwarded unchanged. `supplied` lists what it supplied, for the tour to say so.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatorWrapper {
  url: string;
  /** What the wrapper answered in moto's place, and how often. */
  supplied: Map<string, number>;
  stop(): Promise<void>;
}

/** What the wrapper supplies, in one sentence each (the tour prints them). */
export const SUPPLIED = [
  "AWS Config: a recording recorder's last status SUCCESS (moto keeps it PENDING forever)",
  'GuardDuty: ListMembers and GetFindingsStatistics (not implemented by moto) answered as for a stand-alone account with no findings',
] as const;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(
  target: URL,
  req: IncomingMessage,
  payload: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      async (res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
      },
    );
    out.on('error', reject);
    out.end(payload);
  });
}

export async function startEmulatorWrapper(emulatorUrl: string): Promise<EmulatorWrapper> {
  const target = new URL(emulatorUrl);
  const supplied = new Map<string, number>();
  const note = (what: string) => supplied.set(what, (supplied.get(what) ?? 0) + 1);
  const json = (res: ServerResponse, value: unknown) => {
    const text = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const handle = async () => {
      const payload = await body(req);
      const url = new URL(req.url ?? '/', 'http://wrapper');
      // GuardDuty (REST JSON): operations moto does not implement.
      if (req.method === 'GET' && /^\/detector\/[^/]+\/member$/.test(url.pathname)) {
        note('guardduty:ListMembers');
        return json(res, { members: [] });
      }
      if (req.method === 'POST' && /^\/detector\/[^/]+\/findings\/statistics$/.test(url.pathname)) {
        note('guardduty:GetFindingsStatistics');
        return json(res, { findingStatistics: { countBySeverity: {}, groupedBySeverity: [] } });
      }
      const answer = await forward(target, req, payload);
      let out = answer.body;
      if (
        String(req.headers['x-amz-target'] ?? '').endsWith('.DescribeConfigurationRecorderStatus') &&
        answer.status === 200
      ) {
        const doc = JSON.parse(out.toString('utf8')) as {
          ConfigurationRecordersStatus?: { recording?: boolean; lastStatus?: string }[];
        };
        for (const s of doc.ConfigurationRecordersStatus ?? [])
          if (s.recording && s.lastStatus?.toUpperCase() === 'PENDING') {
            s.lastStatus = 'SUCCESS';
            note('config:DescribeConfigurationRecorderStatus lastStatus');
          }
        out = Buffer.from(JSON.stringify(doc));
      }
      const headers: Record<string, string | string[] | undefined> = {
        ...answer.headers,
        'content-length': String(out.length),
      };
      delete headers['transfer-encoding'];
      res.writeHead(answer.status, headers);
      res.end(out);
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`emulator wrapper: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    supplied,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
