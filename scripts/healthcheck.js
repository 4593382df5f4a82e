#!/usr/bin/env node
// Container health check: node scripts/healthcheck.js <url>...
// Healthy when every URL answers 2xx: a process's readiness (http://127.0.0.1:9464/health/ready,
// its operations port; docs/operations.md "Health and metrics"), and any other port it serves.
// When COUNTERSIGN_HEALTH_FILE is set, its heartbeat file (rewritten every 5 s while the process
// runs with an open NATS connection) must also be fresh: for deployments that still use it.
const fs = require('node:fs');

const MAX_AGE_MS = 20_000;
const file = process.env.COUNTERSIGN_HEALTH_FILE;
const fail = (why) => {
  console.error(`unhealthy: ${why}`);
  process.exit(1);
};
const urls = process.argv.slice(2);
if (!file && urls.length === 0) fail('neither a URL to check nor COUNTERSIGN_HEALTH_FILE');
if (file) {
  let age = Infinity;
  try {
    age = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    fail(`no heartbeat yet (${file})`);
  }
  if (age > MAX_AGE_MS) fail(`heartbeat is ${Math.round(age / 1000)} s old`);
}
const check = (url) =>
  fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
    async (response) => {
      if (!response.ok) fail(`${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    },
    (error) => fail(`${url}: ${error.message}`),
  );
Promise.all(urls.map(check)).then(() => process.exit(0));
