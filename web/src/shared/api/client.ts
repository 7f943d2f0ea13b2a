/**
 * The pages' only way to the server: the public HTTP API, with the credential in the
 * Authorization header (never in a URL). Errors come back as RFC 9457 problem+json and are
 * thrown as ApiProblem, which the pages show in words (ProblemNotice).
 */
export interface ProblemIssue {
  path: string;
  message: string;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail: string;
  issues?: ProblemIssue[];
  [extension: string]: unknown;
}

export class ApiProblem extends Error {
  constructor(readonly problem: ProblemBody) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = 'ApiProblem';
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Read the body as text (CSV, NDJSON) or bytes instead of JSON. */
  as?: 'json' | 'text' | 'bytes';
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

async function problemOf(res: Response): Promise<ProblemBody> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = (await res.json()) as Partial<ProblemBody>;
      if (typeof body.code === 'string') return { ...body, status: res.status, code: body.code, detail: String(body.detail ?? '') } as ProblemBody;
    } catch {
      // fall through to the status line
    }
  }
  return { status: res.status, code: `http_${res.status}`, detail: res.statusText || `HTTP ${res.status}` };
}

export class ApiClient {
  constructor(
    private readonly credential: () => string | null = () => null,
    private readonly onUnauthorized?: (problem: ApiProblem) => void,
    private readonly base = '',
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    const token = this.credential();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (typeof options.body === 'string' && options.headers?.['content-type']) {
      // A document sent as it is (a CSV file), with the type the caller names.
      body = options.body;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await fetch(this.base + withQuery(path, options.query), { method, headers, body, signal: options.signal ?? null, credentials: 'omit' });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiProblem({ status: 0, code: 'network_error', detail: (err as Error).message });
    }
    if (!res.ok) {
      const problem = new ApiProblem(await problemOf(res));
      if (res.status === 401) this.onUnauthorized?.(problem);
      throw problem;
    }
    if (options.as === 'text') return (await res.text()) as T;
    if (options.as === 'bytes') return new Uint8Array(await res.arrayBuffer()) as T;
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  get<T>(path: string, query?: Query, options: Omit<RequestOptions, 'query' | 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, { ...options, query });
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }

  put<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }
}

/** A fresh idempotency key for one user action (a retry of the same action reuses it). */
export function idempotencyKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
