/**
 * junit.xml for CI: one <testsuite> per scenario, a <testcase> per threshold and per failed node
 * (the code, message and the node's last events). A run that did not finish (interrupted/timedout)
 * adds one errored "run status" case so CI never shows a killed run green.
 *
 * JUnit and the exit code agree (issue 20 item 6): a failed node is a <failure> only when the run
 * failed; in a passed run it failed within the thresholds' tolerance and its case passes with the
 * details in <system-out>. A failed run with no failing case (a step threw) gets a failed
 * "run status" case, so failures + errors > 0 exactly when the exit code is not 0.
 */
import type { FleetEvent } from '../lab/base/event.ts';
import type { RunMetrics } from './metrics.ts';
import { xmlEscape as x } from './format.ts';

export interface JunitCase {
  classname: string;
  name: string;
  timeS?: number;
  failure?: { type: string; message: string; body?: string };
  error?: { type: string; message: string };
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  timeS: number;
  timestamp?: string;
  properties?: Record<string, string>;
  cases: JunitCase[];
}

export function junitXml(suites: JunitSuite[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let time = 0;
  const body: string[] = [];
  for (const s of suites) {
    const f = s.cases.filter((c) => c.failure).length;
    const e = s.cases.filter((c) => c.error).length;
    tests += s.cases.length;
    failures += f;
    errors += e;
    time += s.timeS;
    body.push(`  <testsuite name="${x(s.name)}" tests="${s.cases.length}" failures="${f}" errors="${e}" skipped="0" time="${s.timeS.toFixed(3)}"${s.timestamp ? ` timestamp="${x(s.timestamp)}"` : ''}>`);
    if (s.properties && Object.keys(s.properties).length) {
      body.push('    <properties>');
      for (const [k, v] of Object.entries(s.properties)) body.push(`      <property name="${x(k)}" value="${x(v)}"/>`);
      body.push('    </properties>');
    }
    for (const c of s.cases) {
      const open = `    <testcase classname="${x(c.classname)}" name="${x(c.name)}" time="${(c.timeS ?? 0).toFixed(3)}"`;
      if (c.failure) {
        body.push(`${open}>`);
        body.push(`      <failure type="${x(c.failure.type)}" message="${x(c.failure.message)}">${c.failure.body ? x(c.failure.body) : ''}</failure>`);
        body.push('    </testcase>');
      } else if (c.error) {
        body.push(`${open}>`);
        body.push(`      <error type="${x(c.error.type)}" message="${x(c.error.message)}"/>`);
        body.push('    </testcase>');
      } else if (c.systemOut) {
        body.push(`${open}>`);
        body.push(`      <system-out>${x(c.systemOut)}</system-out>`);
        body.push('    </testcase>');
      } else body.push(`${open}/>`);
    }
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fleetlab" tests="${tests}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

/** One event as a compact log line: `t=12.345s node.failed node=n1 phase=image code=…`. */
export function formatEventLine(e: FleetEvent): string {
  const { t, kind, ...rest } = e;
  const fields = Object.entries(rest).map(([k, v]) => {
    if (typeof v === 'number') return `${k}=${Math.round(v * 1000) / 1000}`;
    if (typeof v === 'string') return `${k}=${/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`;
    return `${k}=${JSON.stringify(v)}`;
  });
  return `t=${(t / 1000).toFixed(3)}s ${kind} ${fields.join(' ')}`;
}

export function runSuite(m: RunMetrics): JunitSuite {
  const scenario = m.config?.scenario ?? 'run';
  const cases: JunitCase[] = [];
  for (const th of m.thresholds) {
    const c: JunitCase = { classname: `${scenario}.thresholds`, name: th.name };
    if (!th.ok) c.failure = { type: 'threshold', message: `${th.name}: value ${th.value ?? 'none'} does not satisfy ${th.limit}` };
    cases.push(c);
  }
  cases.push(...nodeCases(m, scenario));
  if (m.status === 'interrupted' || m.status === 'timedout') {
    cases.push({ classname: `${scenario}.run`, name: 'run status', error: { type: m.status, message: `run ${m.status}${m.reason ? `: ${m.reason}` : ''}; ${m.counts.unfinished} node(s) unfinished` } });
  } else if (m.status === 'failed' && !cases.some((c) => c.failure)) {
    cases.push({ classname: `${scenario}.run`, name: 'run status', failure: { type: 'run', message: `run failed${m.reason ? `: ${m.reason}` : ''}` } });
  }
  const props: Record<string, string> = {};
  if (m.config) {
    props.seed = String(m.config.seed);
    props.target = m.config.target;
    props.testbed = `${m.config.testbed.tier}/${m.config.testbed.machine}/${m.config.testbed.scale}`;
    props.runId = m.config.runId;
    for (const [k, v] of Object.entries(m.config.params)) props[`param.${k}`] = String(v);
  }
  props.status = m.status;
  return { name: scenario, timeS: m.durationMs / 1000, ...(m.config ? { timestamp: m.config.wallStart } : {}), properties: props, cases };
}

/** One case per failed node: a failure when the run failed, a passing case with the details when it passed. */
function nodeCases(m: RunMetrics, scenario: string): JunitCase[] {
  const cases: JunitCase[] = [];
  for (const node of m.nodes) {
    if (node.outcome !== 'failed') continue;
    const err = node.error;
    const message = err ? `${node.name} (site ${node.site}) failed in phase ${err.phase}: ${err.code}: ${err.message}` : `${node.name} failed`;
    const body = (m.lastEvents[node.name] ?? []).map(formatEventLine).join('\n');
    const c: JunitCase = { classname: `${scenario}.nodes`, name: node.name, timeS: node.start !== null && node.end !== null ? (node.end - node.start) / 1000 : 0 };
    if (m.status === 'passed') c.systemOut = `${message} (within the thresholds' tolerance: the run passed)\n${body}`;
    else c.failure = { type: err?.code ?? 'node.failed', message, body };
    cases.push(c);
  }
  return cases;
}

export function runJunit(m: RunMetrics): string {
  return junitXml([runSuite(m)]);
}
