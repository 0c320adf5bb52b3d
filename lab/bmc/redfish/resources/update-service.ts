/**
 * UpdateService (SimpleUpdate → a Task) and TaskService (Tasks, task monitors).
 *
 *   POST SimpleUpdate {ImageURI} ─▶ 202, Location: /redfish/v1/TaskService/Tasks/{n}/Monitor
 *   GET  …/Monitor  ─▶ 202 + Task while New/Running ─▶ 200 + Task once Completed/Exception
 *
 * Progress is a function of the clock (TaskStore). An ImageURI containing "fail" ends in
 * Exception at 40% (how a bad image shows up on real BMCs); otherwise the targeted systems'
 * BiosVersion becomes the version found in the image name (e.g. bios-2.4.1.bin → 2.4.1).
 */
import type { Ctx, Reply } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import type { Task } from '../task-store.ts';
import { rfError } from '../redfish-errors.ts';
import { validateAction } from '../patch-schema.ts';
import { collection, enabledOk, odata, V1 } from './common.ts';

const taskUri = (id: string) => `${V1}/TaskService/Tasks/${id}`;

function renderTask(ctx: Ctx, t: Task): Record<string, unknown> {
  const v = ctx.core.tasks.view(t);
  const body: Record<string, unknown> = {
    '@odata.type': '#Task.v1_7_1.Task',
    '@odata.id': taskUri(t.id),
    Id: t.id,
    Name: t.name,
    TaskState: v.state,
    TaskStatus: v.state === 'Exception' ? 'Critical' : 'OK',
    PercentComplete: v.percent,
    StartTime: v.startTime,
    TaskMonitor: `${taskUri(t.id)}/Monitor`,
    HidePayload: true,
    Messages: v.messages.map((m) => ({
      '@odata.type': '#Message.v1_1_1.Message',
      MessageId: v.state === 'Exception' ? 'Base.1.15.InternalError' : 'Base.1.15.Success',
      Message: m,
      Severity: v.state === 'Exception' ? 'Critical' : 'OK',
      MessageSeverity: v.state === 'Exception' ? 'Critical' : 'OK',
    })),
  };
  if (v.endTime) body.EndTime = v.endTime;
  if (t.targetUri) body.Links = { CreatedResources: [], Oem: {}, Target: odata(t.targetUri) };
  return body;
}

function taskOf(ctx: Ctx): Task {
  const t = ctx.core.tasks.get(ctx.params.task ?? '');
  if (!t || t.owner !== ctx.credKey) throw rfError('BMC_NOT_FOUND', `no task '${ctx.params.task}'`, { args: ['Task', ctx.params.task ?? ''] });
  return t;
}

function simpleUpdate(ctx: Ctx): Reply {
  const action = 'UpdateService.SimpleUpdate';
  const b = validateAction(ctx.body, action, {
    ImageURI: { type: 'string', required: true },
    TransferProtocol: { type: 'string', enum: ['HTTP', 'HTTPS', 'FTP', 'SFTP', 'TFTP', 'NFS', 'CIFS', 'OEM'] },
    Targets: { type: 'any' },
    Username: { type: 'string' },
    Password: { type: 'string' },
    ForceUpdate: { type: 'boolean' },
  });
  const image = b.ImageURI as string;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(image))
    throw rfError('BMC_ACTION_PARAM_VALUE', `${action}: ImageURI '${image}' is not a URL`, { args: [image, 'ImageURI', action], property: '#/ImageURI' });
  // Targets default to every system the caller can reach (one system on a per-system listener).
  const visible = ctx.core.visible(ctx.credKey, ctx.only);
  let ids: string[];
  if (b.Targets === undefined) ids = visible.length === 1 ? [visible[0]!.id] : [];
  else {
    if (!Array.isArray(b.Targets) || b.Targets.some((x) => typeof x !== 'string'))
      throw rfError('BMC_PROPERTY_TYPE', `${action}: Targets must be an array of URIs`, { args: [JSON.stringify(b.Targets), 'Targets'], property: '#/Targets' });
    ids = (b.Targets as string[]).map((uri) => {
      const m = /^\/redfish\/v1\/(?:Systems|Managers)\/([^/]+)$/.exec(uri.replace(/\/$/, ''));
      const id = m ? decodeURIComponent(m[1]!) : undefined;
      if (!id || !visible.some((s) => s.id === id)) throw rfError('BMC_ACTION_PARAM_VALUE', `${action}: target ${uri} is not a system or manager here`, { args: [uri, 'Targets', action], property: '#/Targets' });
      return id;
    });
  }
  const fails = /fail/i.test(image);
  const version = /(\d+\.\d+(?:\.\d+)*)/.exec(image.split('/').pop() ?? '')?.[1];
  const core = ctx.core;
  const t = core.tasks.create({
    name: `Firmware update from ${image}`,
    durationMs: core.opts.updateTaskMs,
    ...(fails ? { failAtPct: 40, failMessage: `Firmware image ${image} failed verification; the update was aborted.` } : {}),
    ...(ids.length === 1 ? { targetUri: `${V1}/Systems/${encodeURIComponent(ids[0]!)}` } : {}),
    owner: ctx.credKey,
    onComplete: () => {
      if (!version) return;
      for (const id of ids) {
        const s = core.systems.get(id);
        if (s) core.state(s).biosVersion = version;
      }
    },
  });
  return { status: 202, headers: { Location: `${taskUri(t.id)}/Monitor`, 'Retry-After': '1' } };
}

export function registerUpdateService(r: RouteTrie): void {
  r.add(`${V1}/UpdateService`, {
    op: 'UpdateService',
    methods: {
      GET: () => ({
        body: {
          '@odata.type': '#UpdateService.v1_11_0.UpdateService',
          '@odata.id': `${V1}/UpdateService`,
          Id: 'UpdateService',
          Name: 'Update Service',
          ServiceEnabled: true,
          Status: enabledOk,
          FirmwareInventory: odata(`${V1}/UpdateService/FirmwareInventory`),
          Actions: {
            '#UpdateService.SimpleUpdate': {
              target: `${V1}/UpdateService/Actions/UpdateService.SimpleUpdate`,
              'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'],
            },
          },
        },
      }),
    },
  });
  r.add(`${V1}/UpdateService/Actions/UpdateService.SimpleUpdate`, { op: 'SimpleUpdate', methods: { POST: simpleUpdate } });
  r.add(`${V1}/UpdateService/FirmwareInventory`, {
    op: 'FirmwareInventory',
    methods: {
      GET: () => ({
        body: collection(`${V1}/UpdateService/FirmwareInventory`, 'SoftwareInventoryCollection', 'Firmware Inventory', [`${V1}/UpdateService/FirmwareInventory/BMC`, `${V1}/UpdateService/FirmwareInventory/BIOS`]),
      }),
    },
  });
  r.add(`${V1}/UpdateService/FirmwareInventory/{fw}`, {
    op: 'Firmware',
    methods: {
      GET: (ctx) => {
        const fw = ctx.params.fw;
        if (fw !== 'BMC' && fw !== 'BIOS') throw rfError('BMC_NOT_FOUND', `no firmware component '${fw}'`, { args: ['SoftwareInventory', fw ?? ''] });
        const one = ctx.core.visible(ctx.credKey, ctx.only)[0];
        const version = fw === 'BMC' ? '1.0.0' : one ? (ctx.core.peekState(one.id)?.biosVersion ?? one.machine.inventory().biosVersion) : '1.0.0';
        return {
          body: {
            '@odata.type': '#SoftwareInventory.v1_9_0.SoftwareInventory',
            '@odata.id': `${V1}/UpdateService/FirmwareInventory/${fw}`,
            Id: fw,
            Name: fw === 'BMC' ? 'BMC Firmware' : 'System BIOS',
            Version: version,
            Updateable: true,
            Status: enabledOk,
          },
        };
      },
    },
  });
  registerTaskService(r);
}

/** TaskService, its Tasks (only the caller's own) and each task's monitor. */
function registerTaskService(r: RouteTrie): void {
  r.add(`${V1}/TaskService`, {
    op: 'TaskService',
    methods: {
      GET: () => ({
        body: {
          '@odata.type': '#TaskService.v1_2_0.TaskService',
          '@odata.id': `${V1}/TaskService`,
          Id: 'TaskService',
          Name: 'Task Service',
          ServiceEnabled: true,
          CompletedTaskOverWritePolicy: 'Oldest',
          LifeCycleEventOnTaskStateChange: false,
          DateTime: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
          Status: enabledOk,
          Tasks: odata(`${V1}/TaskService/Tasks`),
        },
      }),
    },
  });
  r.add(`${V1}/TaskService/Tasks`, {
    op: 'Tasks',
    methods: {
      GET: (ctx) => ({
        body: collection(
          `${V1}/TaskService/Tasks`,
          'TaskCollection',
          'Task Collection',
          ctx.core.tasks
            .list()
            .filter((t) => t.owner === ctx.credKey)
            .map((t) => taskUri(t.id)),
        ),
      }),
    },
  });
  r.add(`${V1}/TaskService/Tasks/{task}`, { op: 'Task', methods: { GET: (ctx) => ({ body: renderTask(ctx, taskOf(ctx)) }) } });
  r.add(`${V1}/TaskService/Tasks/{task}/Monitor`, {
    op: 'TaskMonitor',
    methods: {
      GET: (ctx) => {
        const t = taskOf(ctx);
        const body = renderTask(ctx, t);
        const running = body.TaskState === 'New' || body.TaskState === 'Running';
        return running ? { status: 202, body, headers: { Location: `${taskUri(t.id)}/Monitor`, 'Retry-After': '1' } } : { body };
      },
    },
  });
}
