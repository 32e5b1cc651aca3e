// The `express4` alias installs Express 4 beside Express 5 so both are tested; its API is typed
// with the installed @types/express, which is what the tests use of it.
declare module 'express4' {
  import express = require('express');
  export = express;
}
