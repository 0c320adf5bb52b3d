/**
 * ServiceRoot, the version document, the OData service document and Registries (Base). The
 * ServiceRoot and `/redfish` are reachable without credentials (so is the session POST, in
 * sessions.ts); AccountService is in accounts.ts.
 */
import type { RouteTrie } from '../route-trie.ts';
import { BASE_REGISTRY_VERSION, baseRegistryDocument, rfError } from '../redfish-errors.ts';
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
  registerRegistries(r);
}

/** Registries: the Base registry every error body refers to. */
function registerRegistries(r: RouteTrie): void {
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
}
