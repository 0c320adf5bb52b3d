/**
 * Minimal QMP (QEMU Machine Protocol) client over a unix socket: greeting → qmp_capabilities →
 * `execute(cmd, args)` resolving with `return` or rejecting with the QMP `error`; asynchronous
 * events (SHUTDOWN, RESET, STOP, RESUME, POWERDOWN) go to `onEvent` listeners.
 *
 *   node ──{"execute":…,"id":n}──▶ qemu          qemu ──{"return":…,"id":n}──▶ pending[n]
 *                                              qemu ──{"event":"SHUTDOWN",…}──▶ listeners
 */
import { createConnection, type Socket } from 'node:net';
import { FleetlabError } from '../../base/errors.ts';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpClient {
  private sock: Socket | null = null;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string }>();
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private greeted: ((ok: boolean) => void) | null = null;
  closed = false;

  constructor(private readonly path: string) {}

  /** Connect (retrying while qemu creates the socket, up to `timeoutMs`) and negotiate capabilities. */
  async connect(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.tryConnect();
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new FleetlabError('QEMU', `QMP ${this.path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await this.execute('qmp_capabilities');
  }

  private tryConnect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createConnection(this.path);
      const fail = (e: Error) => {
        s.destroy();
        reject(e);
      };
      s.once('error', fail);
      const onEarlyClose = () => fail(new Error('closed before the QMP greeting'));
      s.once('close', onEarlyClose);
      this.greeted = (ok) => {
        s.off('error', fail);
        s.off('close', onEarlyClose);
        if (!ok) return fail(new Error('no QMP greeting'));
        this.sock = s;
        s.on('close', () => this.onClose());
        s.on('error', () => {}); // 'close' follows and rejects what is pending
        resolve();
      };
      s.on('data', (d) => this.onData(d));
    });
  }

  private onData(d: Buffer): void {
    this.buf += d.toString('utf8');
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).trim();
      this.buf = this.buf.slice(i + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // qemu never sends partial JSON lines; ignore noise
      }
      if ('QMP' in msg) {
        this.greeted?.(true);
        this.greeted = null;
      } else if ('event' in msg) {
        for (const l of this.listeners) l(msg as unknown as QmpEvent);
      } else if (typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        if ('error' in msg) {
          const err = msg.error as { class?: string; desc?: string };
          p.reject(new FleetlabError('QEMU', `QMP ${p.cmd}: ${err.class ?? 'Error'}: ${err.desc ?? ''}`));
        } else p.resolve(msg.return);
      }
    }
  }

  private onClose(): void {
    this.closed = true;
    this.greeted?.(false);
    for (const p of this.pending.values()) p.reject(new FleetlabError('QEMU', `QMP ${p.cmd}: connection closed (qemu exited?)`));
    this.pending.clear();
  }

  execute<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.sock || this.closed) return Promise.reject(new FleetlabError('QEMU', `QMP ${cmd}: not connected`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, cmd });
      this.sock!.write(JSON.stringify(args ? { execute: cmd, arguments: args, id } : { execute: cmd, id }) + '\n');
    });
  }

  onEvent(l: (e: QmpEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  close(): void {
    this.sock?.destroy();
    this.sock = null;
  }
}
