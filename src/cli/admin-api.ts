/** A failed call, with what a script needs to decide (the exit code follows from it). */
export class CliError extends Error {
  constructor(
    message: string,
    /** 1 refused by the orchestrator, 2 usage, 3 orchestrator unreachable or not answering JSON, 4 not found. */
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The operator routes of /v1 over fetch, with the admin token. */
export class AdminApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | null,
    private readonly timeoutMs = 15_000,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new CliError(`cannot reach the orchestrator at ${this.baseUrl}: ${cause}`, 3);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(`${method} ${path}: HTTP ${res.status}, not JSON (is --url an orchestrator?)`, 3);
    }
    if (res.ok) return parsed;
    const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const message = `${e?.code ?? `http_${res.status}`}: ${e?.message ?? `HTTP ${res.status}`}`;
    if (res.status === 401 || res.status === 503) throw new CliError(`${message} (ADMIN_TOKEN)`, 1);
    throw new CliError(message, res.status === 404 ? 4 : 1);
  }
}
