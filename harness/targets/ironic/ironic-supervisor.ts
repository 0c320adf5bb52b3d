/**
 * The Ironic process fleetlab started (not an existing one given by `url`): launches it, notices
 * when it dies unexpectedly (every node mid-transition fails), and gives the target-kill fault its
 * hooks — kill, restart on the same database and port, pause, resume.
 *
 *   launch ─▶ running ──exit while not stopping──▶ error log + failInFlight
 *                    ──kill()──▶ dead ──restart()──▶ running (same dir, same port)
 */
import type { EventSink } from '../../../lab/base/event.ts';
import { ERRORS } from '../../../lab/base/errors.ts';
import { startIronic, type IronicProcess } from './ironic-process.ts';
import type { IronicConfigOptions } from './ironic-config.ts';
import type { IronicStateFeed } from './ironic-state-feed.ts';

export interface IronicSupervisorDeps {
  events: EventSink;
  feed: IronicStateFeed;
  /** ironic.conf settings that are not per launch. */
  conf: Pick<IronicConfigOptions, 'heartbeatTimeoutS' | 'deployCallbackTimeoutS' | 'debug'>;
}

export class IronicSupervisor {
  private proc: IronicProcess | null = null;
  private stopping = false;
  private httpUrl = '';

  constructor(private readonly d: IronicSupervisorDeps) {}

  /** The API of the running Ironic (valid after launch). */
  get url(): string {
    return this.proc!.url;
  }

  /** Starts Ironic in `dir` (port 0 = a free one) serving http_root at `httpUrl`. */
  async launch(dir: string, port: number, httpUrl: string): Promise<void> {
    const started = Date.now();
    this.httpUrl = httpUrl;
    const proc = await startIronic({ dir, port, httpUrl, conf: this.d.conf });
    this.proc = proc;
    this.d.events.emit({ kind: 'log', level: 'info', msg: `ironic: started ${proc.url} (pid ${proc.pid}) in ${Date.now() - started} ms; run dir ${dir}` });
    void proc.exited.then((x) => {
      if (this.stopping || this.proc !== proc) return;
      this.d.events.emit({ kind: 'log', level: 'error', code: ERRORS.TARGET.code, msg: `ironic exited unexpectedly (code ${x.code}, signal ${x.signal})` });
      this.d.feed.failInFlight(`exited (signal ${x.signal ?? x.code})`);
    });
  }

  /** The target's stop: no restart after this, and an exit is expected. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.proc?.stop();
    this.proc = null;
  }

  async kill(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill('SIGKILL');
    await this.proc.exited;
  }

  /** After a kill: same run dir (database), same port, so agents and the client reconnect. */
  async restart(): Promise<void> {
    const old = this.proc;
    if (!old || old.running || this.stopping) return;
    await this.launch(old.dir, Number(new URL(old.url).port), this.httpUrl);
  }

  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
  }
}
