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
    const tokenTrouble = tokenHint(res.status, e?.message ?? '', this.token !== null, this.baseUrl);
    if (tokenTrouble) throw new CliError(tokenTrouble, 1);
    if (res.status === 401 || res.status === 503) throw new CliError(message, 1);
    throw new CliError(message, res.status === 404 ? 4 : 1);
  }
}

/**
 * What to do about a refused operator token, said from this side: the service's own "set
 * ADMIN_TOKEN" read as advice to the CLI user, who had set it (the service had not). Null when
 * the refusal is not about the token (a 503 for a database outage).
 */
function tokenHint(status: number, serviceMessage: string, sentToken: boolean, url: string): string | null {
  if (status === 503 && serviceMessage.includes('ADMIN_TOKEN'))
    return (
      `the orchestrator at ${url} has no ADMIN_TOKEN of its own, so its operator routes are off: ` +
      `set ADMIN_TOKEN in the service's environment and restart it${sentToken ? ' (this CLI sends the same variable)' : ', and here too'}`
    );
  if (status !== 401) return null;
  return sentToken
    ? `unauthorized: the orchestrator at ${url} refused this ADMIN_TOKEN: it is not the service's value`
    : `unauthorized: set ADMIN_TOKEN here to the orchestrator's operator token`;
}
