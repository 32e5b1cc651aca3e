// The `express4` alias installs Express 4 beside Express 5 so both are tested; its API is typed
// with the installed @types/express, which is what the tests use of it.
declare module 'express4' {
  // `export =` of a CommonJS module's types needs the `import = require` form in a declaration.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  import express = require('express');
  export = express;
}
