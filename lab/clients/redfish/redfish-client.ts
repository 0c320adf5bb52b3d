/**
 * Redfish client on axios: the lab's one way to talk HTTP to a BMC it does not own.
 *
 *   get/post/patch/delete ─▶ connect() once: GET /redfish/v1/ (public) ─▶ auth.establish
 *     └▶ request: attempt ─▶ 401 on a session? relogin, again ─▶ 503/reset/timeout? backoff, again
 *          (each retry an event; bounded) ─▶ error status ─▶ FleetlabError BMC_CLIENT_*
 *     patch: If-Match with the last ETag seen (GET first if none) ─▶ 412? fresh GET, one retry
 *     every attempt ─▶ Transcript entry (redacted) when a transcript is attached
 *
 * Sockets come from a keep-alive agent pooled per BMC; close() logs out and releases it.
 * Credentials never reach an event, a log line, an error message or a transcript.
 */
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { FleetlabError } from '../../base/errors.ts';
import type { ErrorName } from '../../base/errors.ts';
import type { AgentPool, PooledAgent, TlsTrust } from './redfish-agents.ts';
import { sharedAgentPool } from './redfish-agents.ts';
import type { RawSend, RedfishAuthMode, ServiceRoot } from './redfish-auth.ts';
import { RedfishAuth } from './redfish-auth.ts';
import type { RetryPolicy, RetryReason } from './redfish-retry.ts';
import { DEFAULT_RETRY, isTlsCode, networkErrorName, retryDelayMs, retryReason } from './redfish-retry.ts';
import type { Transcript } from './redfish-transcript.ts';

export interface RedfishClientOptions extends TlsTrust {
  /** Base URL of the BMC, e.g. https://10.0.0.5 or http://127.0.0.1:8000. */
  url: string;
  username: string;
  password: string;
  /** Default 'auto'. */
  auth?: RedfishAuthMode;
  /** Per-attempt timeout (default 10,000 ms). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Retries, logins, re-logins, logouts, 412 retries. Never carries credentials. */
  onEvent?: (e: RedfishClientEvent) => void;
  /** Record every exchange (redacted) here. */
  transcript?: Transcript;
  /** Default: the process-wide pool. */
  agents?: AgentPool;
}

export type RedfishClientEvent =
  | { type: 'retry'; method: string; uri: string; attempt: number; reason: RetryReason; delayMs: number; status: number | string }
  | { type: 'login'; mode: 'session' | 'basic'; sessionUri?: string }
  | { type: 'relogin'; method: string; uri: string }
  | { type: 'logout'; sessionUri: string }
  | { type: 'precondition-retry'; uri: string };

export interface RfReply<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses the caller handles itself (no error thrown), e.g. 412 for the ETag retry. */
  accept?: number[];
}

type Resource = Record<string, unknown>;

export class RedfishClient {
  readonly url: string;
  private readonly http: AxiosInstance;
  private readonly auth: RedfishAuth;
  private readonly retry: RetryPolicy;
  private readonly pooled: PooledAgent;
  private readonly etags = new Map<string, string>();
  private connecting: Promise<ServiceRoot> | undefined;
  private closed = false;

  constructor(private readonly o: RedfishClientOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    this.pooled = (o.agents ?? sharedAgentPool).acquire(this.url, o);
    o.transcript?.addSecret(o.password);
    this.auth = new RedfishAuth(o.auth ?? 'auto', o.username, o.password, (tok) => o.transcript?.addSecret(tok));
    this.http = axios.create({
      baseURL: this.url,
      timeout: o.timeoutMs ?? 10_000,
      httpAgent: this.pooled.agent,
      httpsAgent: this.pooled.agent,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      maxRedirects: 0,
      proxy: false,
      transitional: { clarifyTimeoutError: true },
    });
  }

  /** The auth mode in use once connected ('session' | 'basic'). */
  get authMode(): 'session' | 'basic' | undefined {
    return this.auth.active;
  }

  /** URI of this client's session, while it has one. */
  get sessionUri(): string | undefined {
    return this.auth.session;
  }

  /** Discover the service root and authenticate (idempotent; requests call it themselves). */
  connect(): Promise<ServiceRoot> {
    this.connecting ??= (async () => {
      const root = await this.request<ServiceRoot>('GET', '/redfish/v1/', {}, false);
      await this.auth.establish(root.body, this.raw);
      const active = this.auth.active ?? 'basic';
      this.o.onEvent?.({ type: 'login', mode: active, ...(this.auth.session ? { sessionUri: this.auth.session } : {}) });
      return root.body;
    })().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }

  async get<T = Resource>(uri: string): Promise<RfReply<T>> {
    await this.connect();
    return this.request<T>('GET', uri);
  }

  async post<T = Resource>(uri: string, body: unknown = {}, opts: RequestOptions = {}): Promise<RfReply<T>> {
    await this.connect();
    return this.request<T>('POST', uri, { ...opts, body });
  }

  async delete(uri: string): Promise<RfReply> {
    await this.connect();
    return this.request('DELETE', uri);
  }

  /**
   * PATCH with If-Match: the ETag of the last GET of this URI (a GET first when there was none).
   * A 412 means someone changed the resource since: read it again and retry once with its new ETag.
   */
  async patch<T = Resource>(uri: string, body: unknown): Promise<RfReply<T>> {
    await this.connect();
    let etag = this.etags.get(uri) ?? (await this.etagOf(uri));
    const once = (tag: string | undefined) => this.request<T>('PATCH', uri, { body, headers: tag ? { 'If-Match': tag } : {}, accept: [412] });
    let r = await once(etag);
    if (r.status === 412) {
      this.o.onEvent?.({ type: 'precondition-retry', uri });
      etag = await this.etagOf(uri);
      r = await once(etag);
      if (r.status === 412) throw this.statusError('PATCH', uri, r);
    }
    return r;
  }

  /** Log out (session auth) and release the pooled agent. The client is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.connecting) {
        await this.connecting.catch(() => undefined);
        const uri = await this.auth.logout(this.raw).catch(() => undefined);
        if (uri) this.o.onEvent?.({ type: 'logout', sessionUri: uri });
      }
    } finally {
      this.pooled.release();
    }
  }

  private async etagOf(uri: string): Promise<string | undefined> {
    await this.request('GET', uri);
    return this.etags.get(uri);
  }

  /** One request with re-login on 401 and bounded retries; throws BMC_CLIENT_* on failure. */
  private async request<T>(method: string, uri: string, opts: RequestOptions = {}, authed = true): Promise<RfReply<T>> {
    if (this.closed) throw new FleetlabError('BMC_CLIENT_OPTIONS', `${method} ${uri}: the Redfish client for ${this.url} is closed`);
    let relogged = false;
    for (let attempt = 0; ; attempt++) {
      let r: RfReply<T> | undefined;
      let errCode: string | undefined;
      let cause: unknown;
      const usedToken = this.auth.currentToken;
      try {
        r = (await this.send(method, uri, opts.body, { ...(authed ? this.auth.headers() : {}), ...opts.headers }, attempt)) as RfReply<T>;
      } catch (e) {
        cause = e;
        errCode = (e as { code?: string }).code ?? 'ERR_NETWORK';
        if (isTlsCode(errCode)) throw this.networkError(method, uri, errCode, attempt, e);
      }
      if (r?.status === 401 && authed && this.auth.active === 'session' && !relogged) {
        relogged = true;
        this.o.onEvent?.({ type: 'relogin', method, uri });
        await this.auth.relogin(this.raw, usedToken);
        attempt--;
        continue;
      }
      const reason = retryReason(r?.status, errCode, method !== 'POST');
      if (reason && attempt < this.retry.retries) {
        const delayMs = retryDelayMs(this.retry, attempt, r?.headers['retry-after']);
        this.o.onEvent?.({ type: 'retry', method, uri, attempt: attempt + 1, reason, delayMs, status: r?.status ?? errCode ?? '' });
        await new Promise((res) => setTimeout(res, delayMs));
        continue;
      }
      if (!r) throw this.networkError(method, uri, errCode, attempt, cause);
      if (r.status >= 400 && !opts.accept?.includes(r.status)) throw this.statusError(method, uri, r);
      if (method === 'GET' && r.status === 200) this.rememberEtag(uri, r);
      return r;
    }
  }

  /** The unauthenticated, unretried exchange auth uses (login, logout). */
  private readonly raw: RawSend = (method, uri, body, headers) => this.send(method, uri, body, headers, 0);

  private async send(method: string, uri: string, body: unknown, headers: Record<string, string>, attempt: number): Promise<RfReply> {
    const t0 = performance.now();
    const reqHeaders: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', ...headers };
    const data = body === undefined ? undefined : JSON.stringify(body);
    if (data !== undefined) reqHeaders['Content-Type'] = 'application/json';
    const ms = () => Math.round((performance.now() - t0) * 100) / 100;
    const record = (status: number | string, resHeaders: Record<string, string>, resBody?: unknown) =>
      this.o.transcript?.record({ method, uri, status, ms: ms(), attempt, requestHeaders: reqHeaders, requestBody: body, responseHeaders: resHeaders, responseBody: resBody });
    try {
      const res = await this.http.request<string>({ method, url: uri, data, headers: reqHeaders });
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers as Record<string, unknown>)) if (v !== undefined && v !== null) resHeaders[k.toLowerCase()] = String(v);
      const parsed = parseBody(res.data);
      record(res.status, resHeaders, parsed);
      return { status: res.status, headers: resHeaders, body: parsed };
    } catch (e) {
      record((e as { code?: string }).code ?? 'ERR_NETWORK', {});
      throw e;
    }
  }

  private rememberEtag(uri: string, r: RfReply<unknown>): void {
    const b = r.body as { '@odata.etag'?: unknown } | undefined;
    const tag = r.headers.etag ?? (typeof b?.['@odata.etag'] === 'string' ? b['@odata.etag'] : undefined);
    if (tag) this.etags.set(uri, tag);
  }

  private statusError(method: string, uri: string, r: RfReply<unknown>): FleetlabError {
    const name: ErrorName =
      r.status === 401 ? 'BMC_CLIENT_AUTH'
      : r.status === 403 ? 'BMC_CLIENT_PRIVILEGE'
      : r.status === 404 || r.status === 405 || r.status === 501 ? 'BMC_CLIENT_UNSUPPORTED'
      : 'BMC_CLIENT_REFUSED';
    const ext = (r.body as { error?: { message?: string; '@Message.ExtendedInfo'?: { MessageId?: string; Message?: string }[] } } | undefined)?.error;
    const info = ext?.['@Message.ExtendedInfo']?.[0];
    const why = info?.Message ?? ext?.message ?? '';
    return new FleetlabError(name, `${method} ${this.url}${uri}: HTTP ${r.status}${why ? ` — ${why}` : ''}`, {
      status: r.status,
      uri,
      method,
      ...(info?.MessageId ? { messageId: info.MessageId } : {}),
    });
  }

  private networkError(method: string, uri: string, errCode: string | undefined, attempt: number, cause: unknown): FleetlabError {
    const name = networkErrorName(errCode);
    const after = attempt > 0 ? ` after ${attempt + 1} attempts` : '';
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new FleetlabError(name, `${method} ${this.url}${uri}: ${errCode ?? 'network error'}${after}${detail}`, { uri, method, errCode });
  }
}

function parseBody(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
