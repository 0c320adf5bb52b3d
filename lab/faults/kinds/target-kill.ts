/**
 * target-kill: kill (or pause) the provisioning server under test, when fleetlab started it and
 * gave the lab hooks for it. `mode: 'kill'` restarts it at the end of the window when it can;
 * `mode: 'pause'` (SIGSTOP-like) resumes it.
 */
import { describeValue } from '../../base/values.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';

export const targetKill = defineFault<{ mode: 'kill' | 'pause' }>({
  kind: 'target-kill',
  scope: 'target',
  summary: 'kill (restart at the end) or pause (resume at the end) the target server fleetlab started',
  validate(params, path, problems) {
    const p = checkKeys(params, ['mode'], path, problems);
    return validated(problems, () => {
      const mode = p.mode ?? 'kill';
      if (mode !== 'kill' && mode !== 'pause') problems.add(`${path}.mode`, `expected kill or pause, got ${describeValue(mode)}`);
      return { mode: mode as 'kill' | 'pause' };
    });
  },
  check(world) {
    if (!world.target?.kill && !world.target?.pause) return 'the target was not started by fleetlab (no kill/pause hook), so it cannot be killed';
    return undefined;
  },
  start(ctx, _targets, { mode }) {
    const t = ctx.world.target;
    if (mode === 'pause') {
      if (!t?.pause || !t.resume) throw new Error('the target has no pause/resume hook');
      const paused = t.pause();
      return async () => {
        await paused;
        await t.resume!();
      };
    }
    if (!t?.kill) throw new Error('the target has no kill hook');
    const killed = t.kill();
    return async () => {
      await killed;
      await t.restart?.();
    };
  },
});
