import { Agent, request } from 'node:http';

/**
 * The load generator's HTTP client: node:http over kept-alive sockets. It runs in the benchmark's
 * own process, on the same cores as the server it measures, so it must cost little: `fetch`
 * (undici behind web streams) took about a quarter of that process's CPU per request here, which
 * the raw baseline (no HTTP at all) never pays.
 */
export class JsonPoster {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string>,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(path: string, body: unknown): Promise<{ status: number; text: string }> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.baseUrl),
        { method: 'POST', agent: this.agent, headers: { ...this.headers, 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
