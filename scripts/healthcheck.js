#!/usr/bin/env node
// Container health check: node scripts/healthcheck.js [url]
// Healthy when the service's heartbeat file ($COUNTERSIGN_HEALTH_FILE, rewritten every 5 s while
// it runs with an open NATS connection) is fresh, and, when a URL is given, that URL answers 2xx.
// There are no health endpoints yet (issue 16); this is what can be checked honestly meanwhile.
const fs = require('node:fs');

const MAX_AGE_MS = 20_000;
const file = process.env.COUNTERSIGN_HEALTH_FILE;
const fail = (why) => {
  console.error(`unhealthy: ${why}`);
  process.exit(1);
};
const url = process.argv[2];
if (!file && !url) fail('neither COUNTERSIGN_HEALTH_FILE nor a URL to check');
if (file) {
  let age = Infinity;
  try {
    age = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    fail(`no heartbeat yet (${file})`);
  }
  if (age > MAX_AGE_MS) fail(`heartbeat is ${Math.round(age / 1000)} s old`);
}
if (!url) process.exit(0);
fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
  (response) => (response.ok ? process.exit(0) : fail(`${url} answered ${response.status}`)),
  (error) => fail(`${url}: ${error.message}`),
);
