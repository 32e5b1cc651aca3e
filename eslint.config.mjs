// ESLint (flat config): typescript-eslint's recommended rules, plus type-aware rules for the
// promise mistakes that matter in a library that runs in other people's servers, and the layer
// rules of lib/ (docs/development.md, "Layout").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Every folder of lib/ and the two files at its top, for the layer zones below.
const ABOVE_ALL = ['lib/index.ts', 'lib/create-token-provider.ts'];
const LAYERS = ['token', 'outbound', 'transports', 'settings', 'middleware', 'compat', 'cli', 'redis', 'errors'];
const folders = (...names) => names.map((name) => `lib/${name}`);

/** A layer imports nothing from the layers named (nor from the files at the top of lib/). */
function zone(layer, forbidden, why, above = ABOVE_ALL) {
  return { target: `lib/${layer}`, from: [...folders(...forbidden), ...above], message: why };
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'reports/',
      '.consumers-*/',
      '.stryker-tmp/',
      // Compiled inside the consumer projects of test/slow/package.test.ts, against the packed tarball.
      'test/consumers/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Layers that point one way, and no file-level cycle. Type-only imports count for the zones;
    // import-x/no-cycle skips them (they leave no require() behind).
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without a parser for .ts, no-cycle cannot read the files it follows and finds nothing.
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // no-cycle does not follow `import type`: test/import-cycles.test.ts checks those too.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone(
              'token',
              ['settings', 'outbound', 'transports', 'middleware', 'compat', 'cli', 'redis'],
              'The token core consumes its own types (token/provider-config.ts) and imports nothing above it.',
            ),
            zone(
              'outbound',
              ['transports', 'middleware', 'compat', 'cli', 'settings', 'redis'],
              'The outbound policy is transport-neutral: it imports the token core and errors only.',
            ),
            zone(
              'transports',
              ['middleware', 'compat', 'cli', 'redis'],
              'A transport is driven by the outbound policy; the middleware wires it, never the reverse.',
            ),
            zone('redis', ['outbound', 'transports', 'middleware', 'compat', 'cli'], 'The fleet store serves the token core; it knows no request path.'),
            zone('settings', ['middleware', 'compat', 'cli'], 'Settings are read for the layers above; they import none of them.'),
            // The middleware and the drop-in are edges: they may use lib/create-token-provider.ts.
            zone('middleware', ['compat', 'cli'], 'The middleware and the drop-in are separate edges.', ['lib/index.ts']),
            zone('compat', ['middleware', 'transports', 'cli'], 'The drop-in needs no request path: settings and the token core.', ['lib/index.ts']),
            zone(
              'errors',
              LAYERS.filter((name) => name !== 'errors'),
              'Errors sit under every layer: they import nothing of the package.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node }, sourceType: 'commonjs' },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
