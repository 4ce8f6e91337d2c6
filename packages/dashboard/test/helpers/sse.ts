import { get, type IncomingMessage } from 'node:http';

/** One Server-Sent Event as received. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * A minimal EventSource for tests: connects once (no automatic reconnect), parses events and
 * lets the test wait for them or drop the connection.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  private res: IncomingMessage | undefined;
  private waiters: (() => void)[] = [];
  private buffer = '';

  private constructor() {}

  static connect(url: string, lastEventId?: string): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      const req = get(
        url,
        { headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } },
        (res) => {
          c.res = res;
          c.status = res.statusCode ?? 0;
          c.headers = res.headers;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => c.feed(chunk));
          res.on('error', () => {});
          resolve(c);
        },
      );
      req.on('error', reject);
    });
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
      end = this.buffer.indexOf('\n\n');
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `test` holds for the events received (at most `ms`). */
  async until(test: (events: readonly SseEvent[]) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test(this.events)) {
      if (Date.now() > deadline)
        throw new Error(`SseClient: timed out; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** The id of the last event received. */
  get lastId(): string | undefined {
    for (let i = this.events.length - 1; i >= 0; i--)
      if (this.events[i]!.id !== undefined) return this.events[i]!.id;
    return undefined;
  }

  close(): void {
    this.res?.destroy();
  }
}
