/**
 * `fleetlab faults`: the fault catalogue and the WAN link presets a scenario can use, so users
 * find kinds, selectors, schedules and preset figures without reading lab/faults or lab/net.
 */
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { FAULT_PLUGINS } from '../../../lab/faults/fault-registry.ts';
import { LINK_PRESETS, PRESET_NAMES, linkSummary } from '../../../lab/net/link-spec.ts';

const WRAPPER = [
  "selector     'all' (default) | 'name' | {site} | {node} | {sites: n} | {nodes: n} | {percentSites: p} | {percentNodes: p}",
  "probability  share of selected targets hit (seeded), e.g. 0.5 or '50%'",
  "at           start this long after inject/schedule ('30s' or ms)",
  "when         {phase, node?}: start when a (selected) node enters the phase",
  "duration     window length ('20s', or ['5s', '20s'] drawn per window); absent = until healAll",
  "every        a window every T (with duration)        random  {interval: '30s' | ['10s','60s']} (with duration)",
  'count        windows for every/random                 id      name in fault.start/stop events',
];

export const faultsCommand: Command = {
  name: ['faults'],
  summary: 'list fault kinds, fault spec fields and WAN link presets',
  usage: `usage: fleetlab faults [--json]

  Lists every fault kind (scope and params), the fields every fault spec shares, and the link
  presets for lab.link / --param link=<preset>.
  --json   one JSON object {faults: [{kind, scope, summary}], presets: {name: profile}}`,
  async run(argv, io) {
    const a = parseArgs(argv, { json: { type: 'flag' } });
    if (a.positionals.length) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[0]!}'`);
    const faults = [...FAULT_PLUGINS.values()].map((p) => ({ kind: p.kind, scope: p.scope, summary: p.summary }));
    if (a.flags.json) {
      const presets = Object.fromEntries(PRESET_NAMES.map((n) => [n, LINK_PRESETS[n]]));
      io.stdout.write(JSON.stringify({ faults, presets }) + '\n');
      return 0;
    }
    const w = Math.max(...faults.map((f) => f.kind.length));
    const lines = ['fault kinds (faults.inject({kind, selector, params, …})):'];
    for (const f of faults) lines.push(`  ${f.kind.padEnd(w)}  ${f.scope.padEnd(6)}  ${f.summary}`);
    lines.push('', 'fields every fault spec shares:', ...WRAPPER.map((l) => `  ${l}`));
    lines.push('', 'link presets (lab.link, lab.sites[i].link, --param link=<preset>; override down/up/latency/jitter/loss):');
    for (const n of PRESET_NAMES) lines.push(`  ${linkSummary(LINK_PRESETS[n])}`);
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
