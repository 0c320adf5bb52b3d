/**
 * SessionService and Sessions: login (POST, public), list, GET, DELETE (logout). Sessions are
 * scoped to the credentials that created them; the store (session-store.ts) bounds and expires them.
 */
import type { Ctx } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { credKey } from '../emulator-state.ts';
import { rfError } from '../redfish-errors.ts';
import { validateAction, validatePatch } from '../patch-schema.ts';
import { collection, odata, V1 } from './common.ts';

export function registerSessions(r: RouteTrie): void {
  const sessionBody = (id: string, user: string) => ({
    '@odata.type': '#Session.v1_6_0.Session',
    '@odata.id': `${V1}/SessionService/Sessions/${id}`,
    Id: id,
    Name: `User Session ${id}`,
    UserName: user,
  });
  r.add(`${V1}/SessionService`, {
    op: 'SessionService',
    methods: {
      GET: (ctx) => ({
        body: {
          '@odata.type': '#SessionService.v1_1_9.SessionService',
          '@odata.id': `${V1}/SessionService`,
          Id: 'SessionService',
          Name: 'Session Service',
          ServiceEnabled: true,
          SessionTimeout: ctx.core.sessions.timeoutSec,
          Status: { State: 'Enabled', Health: 'OK' },
          Sessions: odata(`${V1}/SessionService/Sessions`),
        },
      }),
      PATCH: (ctx) => {
        validatePatch(ctx.body, { SessionTimeout: { type: 'number', min: 30, max: 86400 } }, { ServiceEnabled: true, Id: '', Name: '', Status: {}, Sessions: {} });
        const v = (ctx.body as { SessionTimeout?: number }).SessionTimeout;
        if (v !== undefined) ctx.core.sessions.timeoutSec = v;
        return { status: 204 };
      },
    },
  });
  r.add(`${V1}/SessionService/Sessions`, {
    op: 'Sessions',
    public: { POST: true },
    methods: {
      GET: (ctx) => ({
        body: collection(
          `${V1}/SessionService/Sessions`,
          'SessionCollection',
          'Session Collection',
          ctx.core.sessions
            .list()
            .filter((s) => s.credKey === ctx.credKey)
            .map((s) => `${V1}/SessionService/Sessions/${s.id}`),
        ),
      }),
      POST: (ctx) => {
        const b = validateAction(ctx.body, 'Session create', {
          UserName: { type: 'string', required: true },
          Password: { type: 'string', required: true },
          Context: { type: 'string' },
        });
        const user = b.UserName as string;
        const key = credKey(user, b.Password as string);
        if (!ctx.core.knownCred(key) || !loginAllowed(ctx, key))
          throw rfError('BMC_UNAUTHORIZED', `login refused for user '${user}'`, { headers: { 'WWW-Authenticate': 'Basic realm="fleetlab"' } });
        const s = ctx.core.sessions.create(user, key);
        if (!s) throw rfError('BMC_SESSION_LIMIT', `session limit (${ctx.core.sessions.max}) reached`, { headers: { 'Retry-After': '30' } });
        const loc = `${V1}/SessionService/Sessions/${s.id}`;
        return { status: 201, headers: { 'X-Auth-Token': s.token, Location: loc }, body: sessionBody(s.id, user) };
      },
    },
  });
  r.add(`${V1}/SessionService/Sessions/{session}`, {
    op: 'Session',
    methods: {
      GET: (ctx) => {
        const s = ctx.core.sessions.get(ctx.params.session ?? '');
        if (!s || s.credKey !== ctx.credKey) throw rfError('BMC_NOT_FOUND', `no session '${ctx.params.session}'`, { args: ['Session', ctx.params.session ?? ''] });
        return { body: sessionBody(s.id, s.username) };
      },
      DELETE: (ctx) => {
        const s = ctx.core.sessions.get(ctx.params.session ?? '');
        if (!s || s.credKey !== ctx.credKey) throw rfError('BMC_NOT_FOUND', `no session '${ctx.params.session}'`, { args: ['Session', ctx.params.session ?? ''] });
        ctx.core.sessions.delete(s.id);
        return { status: 204 };
      },
    },
  });
}

/** On a per-system listener only that system's credentials log in; elsewhere any BMC's do. */
function loginAllowed(ctx: Ctx, key: string): boolean {
  if (ctx.only === undefined) return true;
  const s = ctx.core.systems.get(ctx.only);
  if (!s || s.faults?.authFailure) return false;
  return credKey(s.credentials.username, s.credentials.password) === key;
}
