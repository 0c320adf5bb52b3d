// Ironic's native provision states map onto the Target phases every report uses.
import t from 'tap';
import { ironicPhase } from '../../../../harness/targets/ironic/ironic-states.ts';

t.test('native states → phases', async (t) => {
  const cases: [string, string][] = [
    ['enroll', 'registered'],
    ['manageable', 'registered'],
    ['available', 'ready'],
    ['deploying', 'provisioning'],
    ['wait call-back', 'agent'],
    ['active', 'active'],
    ['deleting', 'deprovisioning'],
    ['cleaning', 'deprovisioning'],
    ['deploy failed', 'failed'],
    ['clean failed', 'failed'],
    ['error', 'failed'],
  ];
  for (const [native, phase] of cases) t.equal(ironicPhase(native), phase, native);
  t.equal(ironicPhase('some future state'), 'registered', 'unknown states do not claim progress');
});
