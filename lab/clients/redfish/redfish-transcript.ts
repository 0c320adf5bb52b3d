/**
 * Transcript of a Redfish client's exchanges with one BMC, for run reports: method, URI, status,
 * milliseconds, and headers and bodies with every credential removed. Redaction happens when an
 * entry is recorded, so nothing secret is ever held in the transcript, let alone written out.
 *
 *   request/response ─▶ redactHeaders (Authorization, X-Auth-Token, Cookie…) ─┐
 *                      redactBody (keys like Password/Token/Secret; literal secrets) ─┴▶ entry
 */

export interface TranscriptEntry {
  method: string;
  uri: string;
  /** HTTP status, or the network error code ('ECONNRESET', 'ETIMEDOUT', …) when there was none. */
  status: number | string;
  ms: number;
  /** 0 for the first try; retries of the same request count up. */
  attempt: number;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
  responseHeaders: Record<string, string>;
  responseBody?: unknown;
}

export const REDACTED = '[redacted]';

/** Header names whose value is a credential (lower case). */
const SECRET_HEADERS = new Set(['authorization', 'x-auth-token', 'cookie', 'set-cookie', 'proxy-authorization']);
/** Body keys whose value is a credential. */
const SECRET_KEY = /pass(word)?|token|secret|credential|session[-_]?key/i;
/** Longest body text kept per entry; the rest is cut (reports want shape, not firmware blobs). */
const MAX_TEXT = 8192;

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  /** Literal secrets (password, live tokens) scrubbed from any text that still carries them. */
  private readonly secrets = new Set<string>();

  constructor(private readonly max = 10_000) {}

  /** Values that must never appear in an entry, whatever field they hide in. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 3) this.secrets.add(value);
  }

  record(e: TranscriptEntry): void {
    if (this.entries.length >= this.max) this.entries.shift();
    this.entries.push({
      ...e,
      uri: this.scrub(e.uri),
      requestHeaders: this.redactHeaders(e.requestHeaders),
      responseHeaders: this.redactHeaders(e.responseHeaders),
      ...(e.requestBody !== undefined ? { requestBody: this.redactBody(e.requestBody) } : {}),
      ...(e.responseBody !== undefined ? { responseBody: this.redactBody(e.responseBody) } : {}),
    });
  }

  toJSON(): TranscriptEntry[] {
    return this.entries;
  }

  private redactHeaders(h: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : this.scrub(v);
    return out;
  }

  private redactBody(b: unknown): unknown {
    if (typeof b === 'string') return this.scrub(b.length > MAX_TEXT ? `${b.slice(0, MAX_TEXT)}…` : b);
    if (Array.isArray(b)) return b.map((x) => this.redactBody(x));
    if (b !== null && typeof b === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(b)) out[k] = SECRET_KEY.test(k) && v !== null ? REDACTED : this.redactBody(v);
      return out;
    }
    return b;
  }

  private scrub(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}
