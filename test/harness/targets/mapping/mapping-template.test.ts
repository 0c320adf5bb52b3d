/**
 * Mapping-file templates and JSONPath checks: what a user's mapping file relies on — typed
 * whole-placeholder values, encoded URL values, paths that are refused when malformed.
 */
import t from 'tap';
import { renderJson, renderUrl, placeholders, MissingVar } from '../../../../harness/targets/mapping/template.ts';
import { jsonPathProblem, extract } from '../../../../harness/targets/mapping/json-path.ts';

const vars = { api: 'http://127.0.0.1:8080/v1', 'node.name': 'site 1/node#2', 'node.macs': ['52:54:00:00:00:01', '52:54:00:00:00:02'], 'image.bytes': 1000 };

t.test('a whole placeholder keeps its type; mixed text interpolates; nested structure kept', async (t) => {
  t.same(renderJson({ macs: '{{node.macs}}', bytes: '{{ image.bytes }}', label: 'node {{node.name}} ({{image.bytes}} B)', list: ['{{node.macs}}', 3, null, true] }, vars), {
    macs: ['52:54:00:00:00:01', '52:54:00:00:00:02'],
    bytes: 1000,
    label: 'node site 1/node#2 (1000 B)',
    list: [['52:54:00:00:00:01', '52:54:00:00:00:02'], 3, null, true],
  });
  t.equal(renderJson('macs={{node.macs}}', vars), 'macs=52:54:00:00:00:01,52:54:00:00:00:02');
});

t.test('URLs: values are percent-encoded except the api base', async (t) => {
  t.equal(renderUrl('{{api}}/nodes/{{node.name}}?size={{image.bytes}}', vars), 'http://127.0.0.1:8080/v1/nodes/site%201%2Fnode%232?size=1000');
});

t.test('a variable without a value is a MissingVar naming it', async (t) => {
  t.throws(() => renderUrl('{{api}}/{{node.bmc.ipmi.host}}', { ...vars, 'node.bmc.ipmi.host': undefined }), new MissingVar('{{node.bmc.ipmi.host}} has no value here'));
  t.same(placeholders({ a: ['{{x}}', { b: 'p{{ y.z }}q{{w}}' }], n: 1 }), ['x', 'y.z', 'w']);
});

t.test('JSONPath: malformed paths refused with a reason; good paths extract the first match', async (t) => {
  for (const [p, m] of [
    ['state', /must start with '\$'/],
    ['$.state[', /unbalanced brackets/],
    ['$.a]', /unbalanced '\]'/],
    ["$['state", /unclosed quote/],
    ['$.state.', /empty segment/],
    ['$[?(@.x', /unbalanced brackets/],
  ] as const)
    t.match(jsonPathProblem(p), m, p);
  for (const p of ['$.state', '$.nodes[0].provision_state', "$['last error']", '$.items[?(@.name=="n1")].state']) t.equal(jsonPathProblem(p), undefined, p);
  t.equal(extract('$.items[?(@.name=="n1")].state', { items: [{ name: 'n0', state: 'a' }, { name: 'n1', state: 'b' }] }), 'b');
  t.equal(extract('$.missing', { state: 'x' }), undefined);
});
