/**
 * Fault events (fault.start, fault.stop): the fault windows, sub-windows tied to their parent
 * (`wan-flap/down#3` inside `wan-flap`); a window with no stop is closed at the log's end.
 */
import type { FaultWindow } from './run-metrics.ts';
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';

export function faultHandlers(acc: MetricsAccumulator): FamilyHandlers<'fault.start' | 'fault.stop'> {
  return {
    'fault.start': (e) => {
      const w: FaultWindow = { id: e.id, fault: e.fault, selector: e.selector, params: e.params, start: e.t, end: e.t, open: true };
      if (e.targets) w.targets = e.targets;
      const slash = e.id.lastIndexOf('/');
      if (slash > 0 && acc.faultIds.has(e.id.slice(0, slash))) w.parent = e.id.slice(0, slash);
      acc.faultIds.add(e.id);
      acc.faults.push(w);
      acc.openFaults.set(e.id, w);
    },
    'fault.stop': (e) => {
      const w = acc.openFaults.get(e.id);
      if (!w) return;
      w.end = e.t;
      w.open = false;
      acc.openFaults.delete(e.id);
    },
  };
}
