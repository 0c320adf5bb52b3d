/**
 * power-loss: the selected nodes lose power.
 * - `{phase: 'image'}`: armed; each node loses power the moment it next enters that phase (the
 *   sim node cuts and restores power itself, then restarts its boot chain). One cut per node
 *   and activation.
 * - no phase: power is cut now and restored after `offFor` (default 5 s; `offFor: 0` = stays
 *   off until the window ends), through the node's Machine, so it works on every tier.
 */
import { NODE_PHASES, type NodePhase } from '../../base/event.ts';
import { parseDurationOrMs } from '../../base/units.ts';
import { describeValue } from '../../base/values.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setNodeFields } from './node-field.ts';

export const powerLoss = defineFault<{ phase?: NodePhase; offForMs: number }>({
  kind: 'power-loss',
  scope: 'node',
  summary: 'selected nodes lose power now (restored after `offFor`) or when they enter `phase`',
  validate(params, path, problems) {
    const p = checkKeys(params, ['phase', 'offFor'], path, problems);
    return validated(problems, () => {
      if (p.phase !== undefined && !(typeof p.phase === 'string' && (NODE_PHASES as readonly string[]).includes(p.phase))) {
        problems.add(`${path}.phase`, `expected one of ${NODE_PHASES.join(', ')}, got ${describeValue(p.phase)}`);
      }
      if (p.phase !== undefined && p.offFor !== undefined) problems.add(`${path}.offFor`, 'with a phase, the node restores power itself; give one of phase, offFor');
      const offForMs = p.offFor === undefined ? 5000 : (parseDurationOrMs(p.offFor, `${path}.offFor`, problems, '5s') ?? 0);
      return { ...(typeof p.phase === 'string' ? { phase: p.phase as NodePhase } : {}), offForMs };
    });
  },
  start(ctx, targets, { phase, offForMs }) {
    if (phase) return setNodeFields(ctx.id, targets, { powerLossAtPhase: phase });
    const restore: (() => void)[] = [];
    const cut = targets.nodes.filter((n) => n.machine.power() === 'on');
    for (const n of cut) {
      void n.machine.setPower('off').catch(() => {});
      if (offForMs > 0) restore.push(ctx.clock.after(offForMs, () => void n.machine.setPower('on').catch(() => {})));
    }
    return async () => {
      for (const r of restore) r();
      if (offForMs > 0) return;
      // Stayed off for the window: power returns when it ends.
      await Promise.all(cut.map((n) => (n.machine.power() === 'off' ? n.machine.setPower('on').catch(() => {}) : undefined)));
    };
  },
});
