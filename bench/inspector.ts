/**
 * Forcing a full garbage collection in a server process through its inspector, and reading its
 * V8 heap (the server is started with `--inspect=127.0.0.1:<port>` for the memory phase only).
 *
 * RSS read right after a burst of connections includes garbage V8 has not collected yet and
 * a young generation grown to its maximum, which swing a reading by tens of megabytes. Collecting
 * first makes each reading the memory the server actually holds, the same way for both servers.
 */
import WebSocket from 'ws';

export class Inspector {
  private nextId = 1;
  private constructor(private readonly ws: WebSocket) {}

  static async connect(port: number): Promise<Inspector> {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`);
    const targets = (await res.json()) as Array<{ webSocketDebuggerUrl?: string }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error('the server exposes no inspector target');
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Inspector(ws);
  }

  private call(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        if (message.id !== id) return;
        this.ws.off('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      };
      this.ws.on('message', onMessage);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A full, compacting collection (V8 collects twice to also free what finalizers released). */
  async collectGarbage(): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
  }

  /** Bytes of V8 heap in use (\`process.memoryUsage().heapUsed\`), read inside the server. */
  async heapUsed(): Promise<number> {
    const result = (await this.call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true
    })) as { result?: { value?: unknown } };
    const value = result.result?.value;
    if (typeof value !== 'number') throw new Error('the server did not report its heap');
    return value;
  }

  close(): void {
    this.ws.close();
  }
}
