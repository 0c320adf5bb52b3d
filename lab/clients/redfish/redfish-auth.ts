/**
 * How a Redfish client proves who it is, chosen as Ironic's `redfish_auth_type` does:
 *   session  POST SessionService/Sessions {UserName, Password} → X-Auth-Token on every request,
 *            a new login when the BMC forgets the session (401), DELETE of the session on close
 *   basic    HTTP Basic on every request
 *   auto     session when the service root advertises a SessionService, else basic; a session
 *            login the BMC does not implement (404/405/501) also falls back to basic.
 * Concurrent requests that all see a dead token share one re-login.
 */
import { FleetlabError } from '../../base/errors.ts';

export type RedfishAuthMode = 'session' | 'basic' | 'auto';

/** One HTTP exchange without auth headers added or retries (the client's lowest layer). */
export type RawSend = (
  method: string,
  uri: string,
  body: unknown,
  headers: Record<string, string>,
) => Promise<{ status: number; headers: Record<string, string>; body: unknown }>;

export interface ServiceRoot {
  SessionService?: { '@odata.id': string };
  Links?: { Sessions?: { '@odata.id': string } };
  [k: string]: unknown;
}

const DEFAULT_SESSIONS = '/redfish/v1/SessionService/Sessions';

export class RedfishAuth {
  /** What is in use once established: never 'auto'. */
  active: 'session' | 'basic' | undefined;
  private token: string | undefined;
  private sessionUri: string | undefined;
  private login: Promise<void> | undefined;

  constructor(
    readonly mode: RedfishAuthMode,
    private readonly username: string,
    private readonly password: string,
    private readonly onToken: (token: string) => void,
  ) {}

  /** Headers that authenticate a request with the current credentials. */
  headers(): Record<string, string> {
    if (this.active === 'session' && this.token) return { 'X-Auth-Token': this.token };
    return { Authorization: `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}` };
  }

  get session(): string | undefined {
    return this.sessionUri;
  }

  /** Pick the mode for this service and log in when it is session auth. */
  async establish(root: ServiceRoot, send: RawSend): Promise<void> {
    const hasSessions = root.SessionService !== undefined || root.Links?.Sessions !== undefined;
    if (this.mode === 'basic' || (this.mode === 'auto' && !hasSessions)) {
      this.active = 'basic';
      return;
    }
    const uri = root.Links?.Sessions?.['@odata.id'] ?? DEFAULT_SESSIONS;
    try {
      await this.createSession(uri, send);
      this.active = 'session';
    } catch (e) {
      const status = (e as FleetlabError).details?.status;
      if (this.mode === 'auto' && (status === 404 || status === 405 || status === 501)) {
        this.active = 'basic';
        return;
      }
      throw e;
    }
  }

  /** The token requests carry now (to tell a stale 401 from a fresh one). */
  get currentToken(): string | undefined {
    return this.token;
  }

  /**
   * A new session after the BMC refused `staleToken`. Every request that saw the same dead token
   * shares one login, and one that was answered after the renewal just retries: a BMC's session
   * table is small, and each needless login would hold a slot until it times out.
   */
  async relogin(send: RawSend, staleToken: string | undefined): Promise<void> {
    if (this.login) return this.login;
    if (this.token !== staleToken) return;
    this.login = this.createSession(this.sessionsUri(), send).finally(() => (this.login = undefined));
    await this.login;
  }

  /** DELETE the session (best effort: a BMC that already dropped it answers 401/404). */
  async logout(send: RawSend): Promise<string | undefined> {
    const uri = this.sessionUri;
    if (this.active !== 'session' || !uri || !this.token) return undefined;
    try {
      await send('DELETE', uri, undefined, { 'X-Auth-Token': this.token });
    } finally {
      this.token = undefined;
      this.sessionUri = undefined;
    }
    return uri;
  }

  private sessionsUri(): string {
    const u = this.sessionUri;
    return u ? u.slice(0, u.lastIndexOf('/')) : DEFAULT_SESSIONS;
  }

  private async createSession(uri: string, send: RawSend): Promise<void> {
    const r = await send('POST', uri, { UserName: this.username, Password: this.password }, {});
    if (r.status === 401 || r.status === 403)
      throw new FleetlabError('BMC_CLIENT_AUTH', `POST ${uri}: session login refused for user '${this.username}' (HTTP ${r.status})`, { status: r.status, uri });
    if (r.status < 200 || r.status >= 300) {
      const name = r.status === 404 || r.status === 405 || r.status === 501 ? 'BMC_CLIENT_UNSUPPORTED' : 'BMC_CLIENT_REFUSED';
      throw new FleetlabError(name, `POST ${uri}: session login failed (HTTP ${r.status})`, { status: r.status, uri });
    }
    const token = r.headers['x-auth-token'];
    if (!token) throw new FleetlabError('BMC_CLIENT_RESPONSE', `POST ${uri}: the BMC created a session but sent no X-Auth-Token`, { status: r.status, uri });
    this.onToken(token);
    this.token = token;
    const loc = r.headers.location ?? (r.body as { '@odata.id'?: string } | undefined)?.['@odata.id'];
    this.sessionUri = loc ? new URL(loc, 'http://x').pathname : undefined;
  }
}
