// Preloaded into a child process (`node -r`) that runs the built package: wraps every exported
// function, class constructor and class method of the package's own modules in dist/ and records,
// while tracing is on, each call from one file into another (an "entry") and each call from a
// lower layer into a higher one (a "climb"). Calls within a file are not wrapped (they do not go
// through `exports`), so they cost nothing here: the measure is of hops between files.
// See test/settings-call-path.test.ts.
'use strict';
const Module = require('node:module');
const { join, relative, sep } = require('node:path');

const DIST = join(__dirname, '..', '..', 'dist') + sep;

// High to low. A call may go down any number of layers; going up is a climb.
const LAYERS = [
  [/^(index|middleware\/|compat\/|cli\/)/, 0],
  [/^(create-token-provider|redis\/)/, 1],
  [/^settings\//, 2],
  [/^(outbound\/|transports\/)/, 3],
  [/^token\//, 4],
  [/^errors\//, 5],
];

function layerOf(file) {
  for (const [pattern, layer] of LAYERS) if (pattern.test(file)) return layer;
  throw new Error(`call-path tracer: no layer for ${file}`);
}

const state = { on: false, stack: ['<caller>'], entries: Object.create(null), calls: Object.create(null), climbs: [], stopAt: undefined };

function enter(file, name) {
  const caller = state.stack[state.stack.length - 1];
  if (state.on && caller !== file) {
    if (state.stopAt !== undefined && state.stopAt(file, name)) {
      state.on = false;
      return;
    }
    state.entries[file] = (state.entries[file] ?? 0) + 1;
    const call = `${caller} -> ${name}`;
    (state.calls[file] ??= Object.create(null))[call] = (state.calls[file][call] ?? 0) + 1;
    if (caller !== '<caller>' && layerOf(file) < layerOf(caller)) state.climbs.push(`${caller} -> ${file} (${name})`);
  }
}

function isClass(fn) {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function wrapFunction(file, name, fn) {
  const wrapped = function (...args) {
    enter(file, name);
    state.stack.push(file);
    try {
      return fn.apply(this, args);
    } finally {
      state.stack.pop();
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

function wrapClass(file, name, cls) {
  // Methods on the prototype (and static ones) are wrapped in place; the constructor by a Proxy,
  // which keeps `instanceof`, `extends` and the static members working.
  for (const target of [cls.prototype, cls]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (key === 'constructor' || key === 'prototype' || key === 'length' || key === 'name') continue;
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (typeof descriptor.value !== 'function' || !descriptor.writable) continue;
      target[key] = wrapFunction(file, `${name}.${key}`, descriptor.value);
    }
  }
  return new Proxy(cls, {
    construct(original, args, newTarget) {
      enter(file, `new ${name}`);
      state.stack.push(file);
      try {
        return Reflect.construct(original, args, newTarget);
      } finally {
        state.stack.pop();
      }
    },
  });
}

const wrappedModules = new WeakSet();
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exported = load.call(this, request, parent, isMain);
  let filename;
  try {
    filename = Module._resolveFilename(request, parent, isMain);
  } catch {
    return exported;
  }
  if (!filename.startsWith(DIST) || filename.startsWith(join(DIST, 'vendor')) || typeof exported !== 'object' || exported === null) return exported;
  if (wrappedModules.has(exported)) return exported;
  wrappedModules.add(exported);
  const file = relative(DIST, filename).split(sep).join('/').replace(/\.js$/, '');
  for (const key of Object.keys(exported)) {
    const descriptor = Object.getOwnPropertyDescriptor(exported, key);
    // Re-exports are getters onto the module that defines them, which is wrapped there.
    if (descriptor === undefined || !('value' in descriptor) || typeof descriptor.value !== 'function' || !descriptor.writable) continue;
    exported[key] = isClass(descriptor.value) ? wrapClass(file, key, descriptor.value) : wrapFunction(file, key, descriptor.value);
  }
  return exported;
};

/**
 * Traces `run()`: until it returns, or until `stopAt(file, name)` says the call about to be made
 * ends the path (the provider's construction). Returns the entries per file (and by whom, with
 * what), and the climbs.
 */
function trace(run, stopAt) {
  state.on = true;
  state.entries = Object.create(null);
  state.climbs = [];
  state.calls = Object.create(null);
  state.stopAt = stopAt;
  try {
    run();
  } finally {
    state.on = false;
  }
  return { entries: { ...state.entries }, calls: JSON.parse(JSON.stringify(state.calls)), climbs: [...state.climbs] };
}

module.exports = { trace };
