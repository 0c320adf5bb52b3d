/**
 * AccountService: one account, the caller's, with the Administrator role (the emulator does not
 * manage users; each BMC's credentials come from the lab).
 */
import type { RouteTrie } from '../route-trie.ts';
import { rfError } from '../redfish-errors.ts';
import { collection, odata, V1 } from './common.ts';

export function registerAccounts(r: RouteTrie): void {
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
