'use strict';
// Preload (node --require scripts/forbid-dev-dependencies.js) that makes loading any devDependency
// of package.json throw, as it would where only the production dependencies are installed (the
// image). The build integration test (tools/build.int.spec.ts) runs a built service under it, so
// a service that still needed @swc-node/register or any other dev-only package would not start.
const Module = require('node:module');
const { devDependencies } = require('../package.json');

const forbidden = new Set(Object.keys(devDependencies));
const load = Module._load;
Module._load = function loadProductionOnly(request, parent, isMain) {
  const name = request
    .split('/')
    .slice(0, request.startsWith('@') ? 2 : 1)
    .join('/');
  if (forbidden.has(name)) {
    const error = new Error(`${request} is a dev dependency, not installed in production (required by ${parent?.filename ?? 'the entry'})`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return load.call(this, request, parent, isMain);
};
