/**
 * Ironic's native provision states (ironic/common/states.py) mapped to fleetlab's Target phases.
 * `target.state` events carry both: `native` as Ironic says it, `phase` for cross-target reports.
 */
import type { TargetPhase } from '../target.ts';

const PHASE_BY_STATE: Record<string, TargetPhase> = {
  enroll: 'registered',
  verifying: 'registered',
  manageable: 'registered',
  inspecting: 'registered',
  'inspect wait': 'registered',
  cleaning: 'deprovisioning',
  'clean wait': 'deprovisioning',
  available: 'ready',
  deploying: 'provisioning',
  'wait call-back': 'agent',
  active: 'active',
  deleting: 'deprovisioning',
  'deploy failed': 'failed',
  'clean failed': 'failed',
  'inspect failed': 'failed',
  error: 'failed',
  'rescue failed': 'failed',
  'unrescue failed': 'failed',
  adopting: 'registered',
  'adopt failed': 'failed',
  rescue: 'active',
  rescuing: 'active',
  'rescue wait': 'active',
  unrescuing: 'active',
  servicing: 'active',
  'service wait': 'active',
  'service failed': 'failed',
};

export function ironicPhase(provisionState: string | null | undefined): TargetPhase {
  return PHASE_BY_STATE[provisionState ?? 'enroll'] ?? 'registered';
}

/** States a `manage`/`provide`/`active`/`deleted` transition passes through without operator input. */
export const IRONIC_TRANSIENT = new Set(['verifying', 'cleaning', 'clean wait', 'deploying', 'wait call-back', 'deleting', 'inspecting', 'inspect wait', 'adopting']);
