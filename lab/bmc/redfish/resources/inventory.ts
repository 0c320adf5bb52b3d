/**
 * Read-only inventory resources built from `machine.inventory()` on each request (nothing is
 * stored per system): Processors, Memory, EthernetInterfaces, SimpleStorage and
 * Storage/{Drives, Volumes}. These are what Ironic inspection, Metal3 hardware details and MAAS
 * commissioning read.
 */
import type { Inventory } from '../../../base/machine.ts';
import type { Ctx } from '../handler-context.ts';
import type { RouteTrie } from '../route-trie.ts';
import { systemOf } from '../handler-context.ts';
import { rfError } from '../redfish-errors.ts';
import { collection, enabledOk, odata, V1 } from './common.ts';

const base = (ctx: Ctx) => `${V1}/Systems/${encodeURIComponent(systemOf(ctx).id)}`;
const inv = (ctx: Ctx): Inventory => systemOf(ctx).machine.inventory();
const GiB = 1024 ** 3;

function notFound(type: string, id: string | undefined): never {
  throw rfError('BMC_NOT_FOUND', `no ${type} '${id ?? ''}'`, { args: [type, id ?? ''] });
}

/** DIMMs: two per socket, memory split evenly (MiB). */
function dimms(i: Inventory): { id: string; mib: number }[] {
  const n = Math.max(1, i.cpu.sockets * 2);
  return Array.from({ length: n }, (_, k) => ({ id: `DIMM${k + 1}`, mib: Math.floor((i.memoryGiB * 1024) / n) }));
}

function processor(ctx: Ctx, k: number): Record<string, unknown> {
  const c = inv(ctx).cpu;
  return {
    '@odata.type': '#Processor.v1_18_0.Processor',
    '@odata.id': `${base(ctx)}/Processors/CPU${k + 1}`,
    Id: `CPU${k + 1}`,
    Name: `Processor ${k + 1}`,
    Socket: `CPU ${k + 1}`,
    ProcessorType: 'CPU',
    ProcessorArchitecture: 'x86',
    InstructionSet: 'x86-64',
    Manufacturer: c.model.split(' ')[0] ?? 'Unknown',
    Model: c.model,
    MaxSpeedMHz: c.mhz,
    OperatingSpeedMHz: c.mhz,
    TotalCores: c.coresPerSocket,
    TotalEnabledCores: c.coresPerSocket,
    TotalThreads: c.coresPerSocket * c.threadsPerCore,
    Status: enabledOk,
  };
}

function drive(ctx: Ctx, k: number): Record<string, unknown> {
  const d = inv(ctx).disks[k]!;
  return {
    '@odata.type': '#Drive.v1_17_0.Drive',
    '@odata.id': `${base(ctx)}/Storage/1/Drives/${encodeURIComponent(d.name)}`,
    Id: d.name,
    Name: d.name,
    CapacityBytes: d.sizeGB * 1e9,
    MediaType: d.kind === 'hdd' ? 'HDD' : 'SSD',
    Protocol: d.kind === 'nvme' ? 'NVMe' : 'SATA',
    Manufacturer: inv(ctx).vendor,
    Model: `${d.kind.toUpperCase()} ${d.sizeGB}GB`,
    SerialNumber: `${inv(ctx).serial}-${d.name}`,
    BlockSizeBytes: 512,
    Status: enabledOk,
  };
}

export function registerInventory(r: RouteTrie): void {
  registerProcessorsAndMemory(r);
  registerEthernetInterfaces(r);
  registerSimpleStorage(r);
  registerStorage(r);
}

function registerProcessorsAndMemory(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/Processors`, {
    op: 'Processors',
    methods: {
      GET: (ctx) => ({
        body: collection(`${base(ctx)}/Processors`, 'ProcessorCollection', 'Processors Collection', Array.from({ length: inv(ctx).cpu.sockets }, (_, k) => `${base(ctx)}/Processors/CPU${k + 1}`)),
      }),
    },
  });
  r.add(`${V1}/Systems/{sid}/Processors/{proc}`, {
    op: 'Processor',
    methods: {
      GET: (ctx) => {
        const k = Number(/^CPU(\d+)$/.exec(ctx.params.proc ?? '')?.[1] ?? 0) - 1;
        if (k < 0 || k >= inv(ctx).cpu.sockets) notFound('Processor', ctx.params.proc);
        return { body: processor(ctx, k) };
      },
    },
  });

  r.add(`${V1}/Systems/{sid}/Memory`, {
    op: 'MemoryCollection',
    methods: { GET: (ctx) => ({ body: collection(`${base(ctx)}/Memory`, 'MemoryCollection', 'Memory Module Collection', dimms(inv(ctx)).map((d) => `${base(ctx)}/Memory/${d.id}`)) }) },
  });
  r.add(`${V1}/Systems/{sid}/Memory/{dimm}`, {
    op: 'Memory',
    methods: {
      GET: (ctx) => {
        const d = dimms(inv(ctx)).find((x) => x.id === ctx.params.dimm) ?? notFound('Memory', ctx.params.dimm);
        return {
          body: {
            '@odata.type': '#Memory.v1_17_0.Memory',
            '@odata.id': `${base(ctx)}/Memory/${d.id}`,
            Id: d.id,
            Name: d.id,
            MemoryType: 'DRAM',
            MemoryDeviceType: 'DDR4',
            CapacityMiB: d.mib,
            OperatingSpeedMhz: 3200,
            DataWidthBits: 64,
            BusWidthBits: 72,
            Manufacturer: inv(ctx).vendor,
            DeviceLocator: d.id,
            Status: enabledOk,
          },
        };
      },
    },
  });
}

function registerEthernetInterfaces(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/EthernetInterfaces`, {
    op: 'EthernetInterfaces',
    methods: {
      GET: (ctx) => ({
        body: collection(`${base(ctx)}/EthernetInterfaces`, 'EthernetInterfaceCollection', 'Ethernet Interface Collection', inv(ctx).nics.map((n) => `${base(ctx)}/EthernetInterfaces/${encodeURIComponent(n.name)}`)),
      }),
    },
  });
  r.add(`${V1}/Systems/{sid}/EthernetInterfaces/{nic}`, {
    op: 'EthernetInterface',
    methods: {
      GET: (ctx) => {
        const n = inv(ctx).nics.find((x) => x.name === ctx.params.nic) ?? notFound('EthernetInterface', ctx.params.nic);
        const mac = n.mac.toUpperCase();
        return {
          body: {
            '@odata.type': '#EthernetInterface.v1_12_0.EthernetInterface',
            '@odata.id': `${base(ctx)}/EthernetInterfaces/${encodeURIComponent(n.name)}`,
            Id: n.name,
            Name: n.name,
            Description: `Network interface ${n.name}`,
            MACAddress: mac,
            PermanentMACAddress: mac,
            SpeedMbps: n.speedMbps,
            FullDuplex: true,
            LinkStatus: systemOf(ctx).machine.power() === 'on' ? 'LinkUp' : 'LinkDown',
            InterfaceEnabled: true,
            Status: enabledOk,
          },
        };
      },
    },
  });
}

function registerSimpleStorage(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/SimpleStorage`, {
    op: 'SimpleStorageCollection',
    methods: { GET: (ctx) => ({ body: collection(`${base(ctx)}/SimpleStorage`, 'SimpleStorageCollection', 'Simple Storage Collection', [`${base(ctx)}/SimpleStorage/1`]) }) },
  });
  r.add(`${V1}/Systems/{sid}/SimpleStorage/{ctl}`, {
    op: 'SimpleStorage',
    methods: {
      GET: (ctx) => {
        if (ctx.params.ctl !== '1') notFound('SimpleStorage', ctx.params.ctl);
        return {
          body: {
            '@odata.type': '#SimpleStorage.v1_3_1.SimpleStorage',
            '@odata.id': `${base(ctx)}/SimpleStorage/1`,
            Id: '1',
            Name: 'Simple Storage Controller',
            UefiDevicePath: 'PciRoot(0x0)/Pci(0x17,0x0)',
            Devices: inv(ctx).disks.map((d) => ({ Name: d.name, Model: `${d.kind.toUpperCase()} ${d.sizeGB}GB`, CapacityBytes: d.sizeGB * 1e9, Status: enabledOk })),
            Status: enabledOk,
          },
        };
      },
    },
  });
}

function registerStorage(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/Storage`, {
    op: 'StorageCollection',
    methods: { GET: (ctx) => ({ body: collection(`${base(ctx)}/Storage`, 'StorageCollection', 'Storage Collection', [`${base(ctx)}/Storage/1`]) }) },
  });
  r.add(`${V1}/Systems/{sid}/Storage/{ctl}`, {
    op: 'Storage',
    methods: {
      GET: (ctx) => {
        if (ctx.params.ctl !== '1') notFound('Storage', ctx.params.ctl);
        const uri = `${base(ctx)}/Storage/1`;
        return {
          body: {
            '@odata.type': '#Storage.v1_15_0.Storage',
            '@odata.id': uri,
            Id: '1',
            Name: 'Storage Controller',
            StorageControllers: [
              {
                '@odata.id': `${uri}#/StorageControllers/0`,
                MemberId: '0',
                Name: 'Storage Controller 0',
                SupportedControllerProtocols: ['PCIe'],
                SupportedDeviceProtocols: ['SATA', 'NVMe'],
                SupportedRAIDTypes: [],
                Status: enabledOk,
              },
            ],
            Drives: inv(ctx).disks.map((d) => odata(`${uri}/Drives/${encodeURIComponent(d.name)}`)),
            'Drives@odata.count': inv(ctx).disks.length,
            Volumes: odata(`${uri}/Volumes`),
            Status: enabledOk,
          },
        };
      },
    },
  });
  r.add(`${V1}/Systems/{sid}/Storage/{ctl}/Drives/{drive}`, {
    op: 'Drive',
    methods: {
      GET: (ctx) => {
        const k = ctx.params.ctl === '1' ? inv(ctx).disks.findIndex((d) => d.name === ctx.params.drive) : -1;
        if (k < 0) notFound('Drive', ctx.params.drive);
        return { body: drive(ctx, k) };
      },
    },
  });
  registerVolumes(r);
}

// Volumes: each disk is presented as a single pass-through volume (no RAID configured).
function registerVolumes(r: RouteTrie): void {
  r.add(`${V1}/Systems/{sid}/Storage/{ctl}/Volumes`, {
    op: 'Volumes',
    methods: {
      GET: (ctx) => {
        if (ctx.params.ctl !== '1') notFound('Storage', ctx.params.ctl);
        return { body: collection(`${base(ctx)}/Storage/1/Volumes`, 'VolumeCollection', 'Volume Collection', inv(ctx).disks.map((d) => `${base(ctx)}/Storage/1/Volumes/${encodeURIComponent(d.name)}`)) };
      },
    },
  });
  r.add(`${V1}/Systems/{sid}/Storage/{ctl}/Volumes/{vol}`, {
    op: 'Volume',
    methods: {
      GET: (ctx) => {
        const d = ctx.params.ctl === '1' ? inv(ctx).disks.find((x) => x.name === ctx.params.vol) : undefined;
        if (!d) notFound('Volume', ctx.params.vol);
        const uri = `${base(ctx)}/Storage/1`;
        return {
          body: {
            '@odata.type': '#Volume.v1_9_0.Volume',
            '@odata.id': `${uri}/Volumes/${encodeURIComponent(d.name)}`,
            Id: d.name,
            Name: `Volume ${d.name}`,
            CapacityBytes: d.sizeGB * 1e9,
            RAIDType: 'None',
            VolumeType: 'RawDevice',
            Links: { Drives: [odata(`${uri}/Drives/${encodeURIComponent(d.name)}`)] },
            Status: enabledOk,
          },
        };
      },
    },
  });
}
