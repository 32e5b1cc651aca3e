#!/usr/bin/env node
// Writes the settings reference of docs/configuration.md (between its marker comments) from the
// settings table, as built into dist/ (`npm run docs:settings` builds first). The prose around it
// is hand-written and left alone; test/settings-reference.test.ts fails when the two differ.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { renderSettingsReference, withReference } = require(join(root, 'dist', 'settings', 'settings-reference.js'));
const file = join(root, 'docs', 'configuration.md');
const before = readFileSync(file, 'utf8');
const after = withReference(before, renderSettingsReference());
if (after === before) {
  console.log('docs/configuration.md: the settings reference is up to date');
} else {
  writeFileSync(file, after);
  console.log('docs/configuration.md: the settings reference was rewritten from lib/settings/settings-table.ts');
}
