import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@countersign/contracts';
import { REPO_ROOT, startStack, type Stack } from '@countersign/stack';
import { chaosSettings, effectCounts, Killer, sendHostile, settle, waitUntil } from './support/chaos';
import { ChaosRequester } from './support/flows';

const settings = chaosSettings();
const RESULTS = join(REPO_ROOT, 'test-results', 'chaos');

jest.setTimeout(40 * 60_000);

/**
 * Issue 10: low-risk requests submitted over NATS while a random service is SIGKILLed every few
 * seconds and brought back by the stack's own supervisor (the one `npm start` runs). Every
 * acknowledged submission must end in an outcome its requester hears, and nothing may take
 * effect twice. Prints one JSON line with the counts.
 */
describe('the pipeline under SIGKILL chaos', () => {
  let stack: Stack;
  let requester: ChaosRequester;

  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    const log = createWriteStream(join(RESULTS, 'stack.log'));
    stack = await startStack({
      supervise: true,
      env: { COUNTERSIGN_TIMER_MS: '200' },
      // Messages a killed consumer held come back after ack_wait; 30 s would only make settling slow.
      jetstream: { ackWaitMs: 5_000 },
      log: (name, line) => void log.write(`${new Date().toISOString()} ${name}| ${line}\n`),
    });
    requester = await ChaosRequester.connect(stack, 'deploy-bot');
  });

  afterAll(async () => {
    await requester?.close();
    await stack?.shutdown();
  });

  it(`loses nothing and repeats no effect (${settings.flows} flows, a kill every ${settings.killEveryMs} ms)`, async () => {
    const flows: string[] = [];
    const answerable: string[] = [];
    const killer = new Killer(stack, settings.killEveryMs);
    const hostileEvery = Math.max(1, Math.floor(settings.flows / settings.hostile));
    const started = Date.now();
    killer.start();
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < settings.flows; i += 1) {
      await sleepUntil(started + (i * 1_000) / settings.rate);
      sends.push(requester.submitLowRisk(`chaos flow ${i}`).then((requestId) => void flows.push(requestId)));
      if (i % hostileEvery === 0 && i / hostileEvery < settings.hostile) {
        sends.push(sendHostile(requester, i / hostileEvery).then(({ answerable: id }) => void (id && answerable.push(id))));
      }
    }
    await Promise.all(sends);
    await sleepUntil(started + settings.minChaosMs);
    killer.stop();
    const chaosEnded = killer.lastKillAt;

    expect(await waitUntil(() => SERVICE_NAMES.every((name) => stack.isUp(name)), 120_000)).toBe(true);
    const outstanding = () => [...flows, ...answerable].filter((id) => !requester.finalOf(id)).length;
    await settle(outstanding, settings);
    const settleMs = Date.now() - chaosEnded;
    const effects = await effectCounts(stack);

    const finals = flows.map((id) => requester.finalOf(id));
    const result = {
      flows: flows.length,
      hostile: settings.hostile,
      kills: killer.kills.length,
      executed: finals.filter((notice) => notice?.outcome === 'executed').length,
      other_finals: finals.filter((notice) => notice && notice.outcome !== 'executed').length,
      lost: finals.filter((notice) => !notice).length + answerable.filter((id) => requester.finalOf(id)?.outcome !== 'rejected').length,
      duplicated_effects: [...effects.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0),
      in_doubt: finals.filter((notice) => notice?.outcome === 'failed' && /in doubt/.test(notice.detail ?? '')).length,
      settle_ms: settleMs,
    };
    const line = JSON.stringify(result);
    process.stdout.write(`${line}\n`);
    writeFileSync(join(RESULTS, 'pipeline.json'), `${line}\n`);
    const lostIds = flows.filter((id) => !requester.finalOf(id));
    if (lostIds.length > 0)
      writeFileSync(join(RESULTS, 'lost.json'), JSON.stringify(lostIds.map((id) => ({ id, heard: requester.outcomesOf(id) }))));

    expect(result.flows).toBe(settings.flows);
    expect(result.lost).toBe(0);
    expect(result.duplicated_effects).toBe(0);
    expect(result.kills).toBeGreaterThan(0);
    // Nothing executed that nobody was told about, and every service survived the hostile input.
    expect(effects.size).toBeLessThanOrEqual(result.executed + result.in_doubt);
    expect(SERVICE_NAMES.every((name) => stack.isUp(name))).toBe(true);
  });
});

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}
