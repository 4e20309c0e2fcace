import { request, type IncomingMessage } from 'node:http';

export interface SseMessage {
  id: number;
  event: string;
  data: { id: number; kind: string; serverId: string | null; sessionId: string | null; data: Record<string, unknown> };
}

/** A minimal SSE reader over a real socket: messages, comment lines, and when it ended. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  comments = 0;
  status = 0;
  ended: Promise<void>;
  private res: IncomingMessage | null = null;
  private endResolve!: () => void;
  private buffer = '';
  body = '';

  private constructor(private readonly req: ReturnType<typeof request>) {
    this.ended = new Promise((r) => (this.endResolve = r));
  }

  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } });
      const c = new SseClient(req);
      req.on('response', (res) => {
        c.res = res;
        c.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('end', () => c.endResolve());
        res.on('close', () => c.endResolve());
        resolve(c);
      });
      req.on('error', (err) => {
        c.endResolve();
        reject(err);
      });
      req.end();
    });
  }

  close(): void {
    this.req.destroy();
  }

  private feed(chunk: string): void {
    this.body += chunk;
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        const m = /^(\w+): ?(.*)$/.exec(line);
        if (m) fields[m[1]!] = m[2]!;
      }
      if (fields.data !== undefined && fields.id !== undefined) {
        this.messages.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) });
      }
    }
  }
}
