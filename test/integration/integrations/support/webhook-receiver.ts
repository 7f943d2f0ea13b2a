import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyBodySignature } from '../../../../src/auth/index.js';

/** One request the receiver got, with what it answered (null: it never answered). */
export interface ReceivedWebhook {
  path: string;
  webhookId: string;
  type: string;
  memberId: string | null;
  attempt: number;
  deliveryId: string;
  signatureValid: boolean;
  body: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
  answered: number | null;
}

export type Answer = number | { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A webhook receiver as a brand would run one: checks the signature with its secret and answers
 * what `decide` says (a status, or 'hang': hold the request open and never answer). Every request
 * is recorded; `processed()` is what a receiver that deduplicates on the webhook id handled.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  secret = '';
  decide: (request: ReceivedWebhook) => Answer = () => 200;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = JSON.parse(raw) as ReceivedWebhook['body'];
    const header = (name: string) => String(req.headers[name] ?? '');
    const request: ReceivedWebhook = {
      path: req.url ?? '/',
      webhookId: header('x-laurel-webhook-id'),
      type: header('x-laurel-event-type'),
      memberId: typeof body.data.memberId === 'string' ? body.data.memberId : null,
      attempt: Number(header('x-laurel-attempt')),
      deliveryId: header('x-laurel-delivery'),
      signatureValid: verifyBodySignature(this.secret, header('x-laurel-signature'), raw, new Date()),
      body,
      answered: null,
    };
    this.received.push(request);
    const answer = this.decide(request);
    if (answer === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : { status: answer.status, headers: answer.headers ?? {} };
    request.answered = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ ok: status < 300 }));
  }

  /** The events a receiver that deduplicates on the webhook id handled, in the order it handled them. */
  processed(filter: (r: ReceivedWebhook) => boolean = () => true): ReceivedWebhook[] {
    const seen = new Set<string>();
    return this.received.filter((r) => r.answered !== null && r.answered >= 200 && r.answered < 300 && filter(r) && !seen.has(r.webhookId) && seen.add(r.webhookId));
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
