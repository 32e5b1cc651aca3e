// Written by test/slow/package.test.ts: a deliberate type error.
