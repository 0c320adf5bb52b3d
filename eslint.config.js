// Lint is part of `npm test`: type-aware rules catch the two bugs that hurt a long-running
// lab most — a promise nobody awaits (lost errors, teardown races) and a switch over an event
// or phase union that forgot a new member.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/runs/**', '**/*.js', '!eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    // Error codes are named only through the registry (ERRORS.X.code, FleetlabError('X', …)), so a
    // typo is a type error and every code a user can see is listed in one place. Tests are exempt on
    // purpose: a test spelling 'FLEETLAB_ERR_…' out pins the stable string users script against.
    files: ['**/*.ts'],
    ignores: ['lab/base/errors.ts', 'test/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'Literal[raw=/FLEETLAB_ERR_/]', message: 'name error codes through lab/base/errors.ts (ERRORS.X.code), not a raw FLEETLAB_ERR_ string' },
        { selector: 'TemplateElement[value.raw=/FLEETLAB_ERR_/]', message: 'name error codes through lab/base/errors.ts (ERRORS.X.code), not a raw FLEETLAB_ERR_ string' },
      ],
    },
  },
  {
    // tap's top-level `t.test(...)` returns a promise the runner tracks itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  // Layering (which folder may import which) is not an eslint rule: it is the one table in
  // layers.json, checked by tools/layers/check-layers.ts, which `npm run lint` runs after eslint.
);
