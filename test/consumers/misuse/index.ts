// Written by test/package.test.ts: a deliberate type error.
