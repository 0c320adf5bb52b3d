/**
 * Who is calling: HTTP Basic or X-Auth-Token (a live session), checked against the credentials of
 * the BMC the request addresses — or, for service-wide resources, against any BMC this service
 * serves (each BMC has its own credentials on one shared listener). Public routes need none.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BmcSystem } from '../bmc-system.ts';
import type { FleetlabError } from '../../base/errors.ts';
import type { EmulatorState } from './emulator-state.ts';
import { credKey } from './emulator-state.ts';
import { rfError } from './redfish-errors.ts';

export interface Caller {
  /** User name ('' on public routes). */
  user: string;
  /** Credential identity (user + password), '' on public routes. */
  key: string;
  /** Session id when the caller used X-Auth-Token. */
  sessionId: string | undefined;
}

const ANONYMOUS: Caller = { user: '', key: '', sessionId: undefined };

/** The authenticated caller; throws 401 NoValidSession when the credentials do not open `scope`. */
export function authenticate(core: EmulatorState, headers: IncomingHttpHeaders, isPublic: boolean, scope: BmcSystem | undefined): Caller {
  if (isPublic) return ANONYMOUS;
  const caller = credentialsOf(core, headers);
  if (scope) {
    if (caller.key !== credKey(scope.credentials.username, scope.credentials.password)) throw unauthorized(`credentials refused by BMC ${scope.id}`);
    if (scope.faults?.authFailure) throw unauthorized(`credentials refused by BMC ${scope.id} (injected auth failure)`);
  } else if (!core.knownCred(caller.key)) throw unauthorized('credentials match no BMC on this service');
  return caller;
}

function credentialsOf(core: EmulatorState, headers: IncomingHttpHeaders): Caller {
  const token = headers['x-auth-token'];
  if (typeof token === 'string' && token !== '') {
    const s = core.sessions.touch(token);
    if (!s) throw unauthorized('X-Auth-Token does not name a live session');
    return { user: s.username, key: s.credKey, sessionId: s.id };
  }
  const basic = parseBasic(headers.authorization);
  if (!basic) throw unauthorized('no credentials: send HTTP Basic or X-Auth-Token');
  return { user: basic.user, key: credKey(basic.user, basic.password), sessionId: undefined };
}

export function unauthorized(message: string): FleetlabError {
  return rfError('BMC_UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': 'Basic realm="fleetlab"' } });
}

function parseBasic(h: string | undefined): { user: string; password: string } | undefined {
  if (!h || !/^basic /i.test(h)) return undefined;
  const dec = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = dec.indexOf(':');
  if (i < 0) return undefined;
  return { user: dec.slice(0, i), password: dec.slice(i + 1) };
}
