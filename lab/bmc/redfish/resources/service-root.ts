/**
 * ServiceRoot, version document, Registries (Base), SessionService + Sessions, AccountService.
 * The ServiceRoot and the session POST are the only routes reachable without credentials.
 */
import type { Ctx } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { credKey } from '../emulator-state.ts';
import { BASE_REGISTRY_VERSION, baseRegistryDocument, rfError } from '../redfish-errors.ts';
import { validateAction, validatePatch } from '../patch-schema.ts';
import { PROTOCOL_FEATURES } from '../query-options.ts';
import { collection, odata, V1 } from './common.ts';

export function registerServiceRoot(r: RouteTrie): void {
  r.add('/redfish', { op: 'Versions', public: { GET: true }, methods: { GET: () => ({ body: { v1: '/redfish/v1/' } }) } });
  r.add(V1, {
    op: 'ServiceRoot',
    public: { GET: true },
    methods: {
      GET: (ctx) => ({
        body: {
          '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
          '@odata.id': `${V1}/`,
          Id: 'RootService',
          Name: 'Fleetlab Redfish Service',
          RedfishVersion: '1.15.0',
          UUID: ctx.core.uuid,
          Product: 'fleetlab BMC emulator',
          Vendor: 'fleetlab',
          Systems: odata(`${V1}/Systems`),
          Chassis: odata(`${V1}/Chassis`),
          Managers: odata(`${V1}/Managers`),
          SessionService: odata(`${V1}/SessionService`),
          AccountService: odata(`${V1}/AccountService`),
          UpdateService: odata(`${V1}/UpdateService`),
          // The ServiceRoot schema names the TaskService link `Tasks` (sushy's get_task_service reads it).
          Tasks: odata(`${V1}/TaskService`),
          Registries: odata(`${V1}/Registries`),
          Links: { Sessions: odata(`${V1}/SessionService/Sessions`) },
          ProtocolFeaturesSupported: PROTOCOL_FEATURES,
        },
      }),
    },
  });
  r.add(`${V1}/odata`, {
    op: 'OData',
    public: { GET: true },
    methods: {
      GET: () => ({
        body: {
          '@odata.context': '/redfish/v1/$metadata',
          // Named after the ServiceRoot properties (Tasks → TaskService), as DSP0266 asks.
          value: ['Systems', 'Chassis', 'Managers', 'SessionService', 'AccountService', 'UpdateService', 'Tasks', 'Registries'].map((n) => ({
            name: n,
            kind: 'Singleton',
            url: `${V1}/${n === 'Tasks' ? 'TaskService' : n}`,
          })),
        },
      }),
    },
  });

  // Registries: the Base registry every error body refers to.
  const baseFile = `Base.${BASE_REGISTRY_VERSION}`;
  r.add(`${V1}/Registries`, {
    op: 'Registries',
    methods: { GET: () => ({ body: collection(`${V1}/Registries`, 'MessageRegistryFileCollection', 'Registry File Collection', [`${V1}/Registries/Base`]) }) },
  });
  r.add(`${V1}/Registries/{registry}`, {
    op: 'Registry',
    methods: {
      GET: (ctx) => {
        if (ctx.params.registry !== 'Base') throw rfError('BMC_NOT_FOUND', `no registry '${ctx.params.registry}'`, { args: ['MessageRegistryFile', ctx.params.registry ?? ''] });
        return {
          body: {
            '@odata.type': '#MessageRegistryFile.v1_1_3.MessageRegistryFile',
            '@odata.id': `${V1}/Registries/Base`,
            Id: 'Base',
            Name: 'Base Message Registry File',
            Registry: baseFile,
            Languages: ['en'],
            Location: [{ Language: 'en', Uri: `${V1}/Registries/Base/${baseFile}` }],
          },
        };
      },
    },
  });
  r.add(`${V1}/Registries/{registry}/{file}`, {
    op: 'RegistryFile',
    methods: {
      GET: (ctx) => {
        if (ctx.params.registry !== 'Base' || ctx.params.file !== baseFile)
          throw rfError('BMC_NOT_FOUND', `no registry file ${ctx.path}`, { args: ['MessageRegistry', ctx.params.file ?? ''] });
        return { body: { '@odata.id': ctx.path, ...(baseRegistryDocument() as object) } };
      },
    },
  });

  // Sessions.
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

  // AccountService: one account, the caller's (the emulator does not manage users).
  r.add(`${V1}/AccountService`, {
    op: 'AccountService',
    methods: {
      GET: () => ({
        body: {
          '@odata.type': '#AccountService.v1_12_0.AccountService',
          '@odata.id': `${V1}/AccountService`,
          Id: 'AccountService',
          Name: 'Account Service',
          ServiceEnabled: true,
          MinPasswordLength: 1,
          MaxPasswordLength: 64,
          Accounts: odata(`${V1}/AccountService/Accounts`),
          Roles: odata(`${V1}/AccountService/Roles`),
        },
      }),
    },
  });
  r.add(`${V1}/AccountService/Accounts`, {
    op: 'Accounts',
    methods: { GET: () => ({ body: collection(`${V1}/AccountService/Accounts`, 'ManagerAccountCollection', 'Accounts Collection', [`${V1}/AccountService/Accounts/1`]) }) },
  });
  r.add(`${V1}/AccountService/Accounts/{account}`, {
    op: 'Account',
    methods: {
      GET: (ctx) => {
        if (ctx.params.account !== '1') throw rfError('BMC_NOT_FOUND', `no account '${ctx.params.account}'`, { args: ['ManagerAccount', ctx.params.account ?? ''] });
        return {
          body: {
            '@odata.type': '#ManagerAccount.v1_10_0.ManagerAccount',
            '@odata.id': `${V1}/AccountService/Accounts/1`,
            Id: '1',
            Name: 'User Account',
            UserName: ctx.user,
            RoleId: 'Administrator',
            Enabled: true,
            Locked: false,
            Links: { Role: odata(`${V1}/AccountService/Roles/Administrator`) },
          },
        };
      },
    },
  });
  r.add(`${V1}/AccountService/Roles`, {
    op: 'Roles',
    methods: { GET: () => ({ body: collection(`${V1}/AccountService/Roles`, 'RoleCollection', 'Roles Collection', [`${V1}/AccountService/Roles/Administrator`]) }) },
  });
  r.add(`${V1}/AccountService/Roles/{role}`, {
    op: 'Role',
    methods: {
      GET: (ctx) => {
        if (ctx.params.role !== 'Administrator') throw rfError('BMC_NOT_FOUND', `no role '${ctx.params.role}'`, { args: ['Role', ctx.params.role ?? ''] });
        return {
          body: {
            '@odata.type': '#Role.v1_3_1.Role',
            '@odata.id': `${V1}/AccountService/Roles/Administrator`,
            Id: 'Administrator',
            Name: 'Administrator',
            IsPredefined: true,
            AssignedPrivileges: ['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureSelf', 'ConfigureComponents'],
          },
        };
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
