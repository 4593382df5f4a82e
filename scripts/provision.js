#!/usr/bin/env node
// Deployment provisioning (the docker-compose `provision` step): runs tools/provision.ts, built in the image.
const path = require('node:path');
process.argv.splice(2, 0, path.join(__dirname, '..', 'tools', 'provision.ts'));
require('./run-ts.js');
