/**
 * `fleetlab k8s render <scenario.ts> --shards N`: the sharded run as a Kubernetes Indexed Job
 * (+ ConfigMap, Service, results PVC; harness/shard/k8s-job.ts) in YAML; `--apply` creates them
 * in the current kubeconfig's cluster (harness/shard/k8s-apply.ts). The scenario and its params
 * are checked first, as `fleetlab run` checks them, and so is every shard's slice (exit 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dumpYaml } from '@kubernetes/client-node';
import type { Command } from '../command.ts';
import { intOption, parseArgs, parseKeyValues } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { prepareRun } from '../../run/prepare-run.ts';
import { parseTargetOptions } from '../parse-target-options.ts';
import { shardJobObjects } from '../../shard/k8s-job.ts';
import { applyObjects } from '../../shard/k8s-apply.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;

export const k8sRenderCommand: Command = {
  name: ['k8s', 'render'],
  summary: 'render a sharded run as a Kubernetes Indexed Job (+ ConfigMap, Service, PVC); --apply submits it',
  usage: `usage: fleetlab k8s render <scenario.ts> --shards N [--param k=v]... [--seed N] [--target NAME]
                  [--target-opt k=v]... [--image IMG] [--name NAME] [--namespace NS]
                  [--storage SIZE] [--storage-class C] [--out FILE] [--apply]

  --shards N         pods (shards) of the Indexed Job; each runs every N-th site
  --image IMG        fleetlab image (the Containerfile's; default localhost/fleetlab:latest)
  --name NAME        Job name, prefix of the other objects (default fleetlab-<scenario>)
  --namespace NS     default 'default'
  --storage SIZE     results volume request (default 1Gi), ReadWriteMany
  --out FILE         write the YAML there instead of stdout
  --apply            also create the objects in the current kubeconfig context's cluster

  Afterwards: fleetlab merge /results/shard-* --out /results/merged (in a pod mounting the PVC).
exit: 0 rendered (and applied), 1 --apply failed, 2 bad input`,
  async run(argv, io) {
    const a = parseArgs(argv, {
      shards: { type: 'string' }, param: { type: 'list' }, seed: { type: 'string' }, target: { type: 'string' }, 'target-opt': { type: 'list' },
      image: { type: 'string' }, name: { type: 'string' }, namespace: { type: 'string' }, storage: { type: 'string' }, 'storage-class': { type: 'string' },
      out: { type: 'string' }, apply: { type: 'flag' },
    });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one scenario file, got ${a.positionals.length === 0 ? 'none' : a.positionals.join(' ')}`);
    if (a.strings.shards === undefined) throw new FleetlabError('USAGE', '--shards N is required');
    const shards = intOption(a.strings.shards, 'shards', 1, 1, 10_000);
    const file = a.positionals[0]!;
    const params = parseKeyValues(a.lists.param, 'param');
    const seed = a.strings.seed === undefined ? undefined : intOption(a.strings.seed, 'seed', 0, 0, 0xffffffff);
    // The last shard has the fewest sites: if it gets one, every shard does.
    const run = await prepareRun({ file, params, target: a.strings.target, targetOptions: parseTargetOptions(a.lists['target-opt']), seed, shard: { index: shards, count: shards } });
    const name = a.strings.name ?? `fleetlab-${run.scenario.name}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 52).replace(/-+$/, '');
    if (!DNS_LABEL.test(name)) throw new FleetlabError('USAGE', `--name '${name}': expected a DNS label of at most 52 characters (a-z, 0-9, '-'), room for the pod index suffix`);
    const namespace = a.strings.namespace ?? 'default';
    if (!DNS_LABEL.test(namespace)) throw new FleetlabError('USAGE', `--namespace '${namespace}': expected a DNS label (a-z, 0-9, '-')`);
    const runArgs = [
      ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
      '--seed', String(run.seed),
      ...(a.strings.target ? ['--target', a.strings.target] : []),
      ...(a.lists['target-opt'] ?? []).flatMap((v) => ['--target-opt', v]),
    ];
    const objects = shardJobObjects({ name, namespace, image: a.strings.image ?? 'localhost/fleetlab:latest', shards, scenarioFile: file, scenarioText: readFileSync(file, 'utf8'), runArgs, storage: a.strings.storage ?? '1Gi', ...(a.strings['storage-class'] ? { storageClass: a.strings['storage-class'] } : {}) });
    const yaml = objects.map((o) => dumpYaml(o)).join('---\n');
    if (a.strings.out !== undefined) writeFileSync(a.strings.out, yaml);
    else io.stdout.write(yaml);
    if (a.flags.apply === true) {
      for (const id of await applyObjects(objects)) io.stderr.write(`fleetlab: created ${id}\n`);
    }
    return 0;
  },
};
