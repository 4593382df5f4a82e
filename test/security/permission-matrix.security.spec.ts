import { EventTypes, SERVICE_NAMES, Streams, Subjects } from '@countersign/contracts';
import { startStack, type Stack } from '@countersign/stack';
import { RequesterClient, effectsAt, eventually } from '@countersign/e2e';
import { recordAttack } from './report';
import { matrixCells, type Cell, type SubjectClass } from './support/bus-model';
import { runProbes, type Verdict } from './support/bus-probe';
import { Connections, stackLog } from './support/parties';

jest.setTimeout(180_000);

const SUITE = 'permission-matrix';
const AUDIT = Streams.audit.name;

const describeCell = (cell: Cell, verdict: Verdict | 'not probed') =>
  `${cell.user} ${cell.probe.action} ${cell.probe.subject}: ${verdict}${cell.forbidden ? ` (forbidden: ${cell.forbidden})` : ''}`;

describe('permission matrix: every identity × every subject class, on the real nats-server', () => {
  let stack: Stack;
  let connections: Connections;
  let cells: Cell[] = [];
  const live = new Map<Cell, Verdict>();
  const verdictOf = (cell: Cell): Verdict | 'not probed' => live.get(cell) ?? 'not probed';

  beforeAll(async () => {
    stack = await startStack({ log: stackLog });
    connections = new Connections(stack);
    cells = matrixCells(stack.description);
    const users = [...new Set(cells.map((cell) => cell.user))];
    await Promise.all(
      users.map(async (user) => {
        // A probe that would really delete or purge is sent only where the model expects a denial.
        const runnable = cells.filter((cell) => cell.user === user && !(cell.destructive && cell.expected === 'allowed'));
        for (const [cell, verdict] of await runProbes(await connections.as(user), runnable)) live.set(cell, verdict);
      }),
    );
    recordMatrix(cells, verdictOf);
  });

  afterAll(async () => {
    await connections?.closeAll();
    await stack?.shutdown();
  });

  it('enforces exactly the declared permission model (natsPermissionsFor) for every probed cell', () => {
    const drift = cells.filter((cell) => live.has(cell) && live.get(cell) !== cell.expected);
    expect(drift.map((cell) => `${describeCell(cell, verdictOf(cell))}, model says ${cell.expected}`)).toEqual([]);
    expect(live.size).toBeGreaterThan(1_000);
  });

  it('lets no identity both publish approvals and publish credentials or execution results', () => {
    const can = (user: string, subject: string) =>
      cells.some(
        (cell) => cell.user === user && cell.probe.action === 'publish' && cell.probe.subject === subject && live.get(cell) === 'allowed',
      );
    const approval = Subjects.serviceEvent('approval', EventTypes.RequestApproved);
    const minting = [
      Subjects.serviceEvent('broker', EventTypes.CredentialIssued),
      ...[EventTypes.ExecutionStarted, EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed].map((type) =>
        Subjects.serviceEvent('executor', type),
      ),
    ];
    const users = [...new Set(cells.map((cell) => cell.user))];
    expect(users.filter((user) => can(user, approval) && minting.some((subject) => can(user, subject)))).toEqual([]);
    expect(users.filter((user) => can(user, approval))).toEqual(['approval']);
  });

  it('denies every service identity the stream create/update/delete/purge and consumer delete APIs', () => {
    const admin = cells.filter(
      (cell) =>
        cell.principal.kind === 'service' &&
        /^\$JS\.API\.(STREAM\.(CREATE|UPDATE|DELETE|PURGE|MSG\.DELETE)|CONSUMER\.(DELETE|DURABLE\.CREATE))\./.test(cell.probe.subject),
    );
    expect(admin.length).toBeGreaterThan(SERVICE_NAMES.length * 30);
    expect(admin.filter((cell) => live.get(cell) !== 'denied').map((cell) => describeCell(cell, verdictOf(cell)))).toEqual([]);
  });

  it('lets nobody, not even the provisioner, delete or purge CS_AUDIT, and the stream itself refuses both', async () => {
    const erasure = cells.filter((cell) =>
      new RegExp(`^\\$JS\\.API\\.STREAM\\.(DELETE|PURGE|MSG\\.DELETE)\\.${AUDIT}$`).test(cell.probe.subject),
    );
    expect(erasure.length).toBe(3 * new Set(cells.map((cell) => cell.user)).size);
    expect(erasure.filter((cell) => live.get(cell) !== 'denied').map((cell) => describeCell(cell, verdictOf(cell)))).toEqual([]);
    const jsm = await (await connections.as('operator-admin')).jetstreamManager();
    const { config } = await jsm.streams.info(AUDIT);
    expect({ deny_delete: config.deny_delete, deny_purge: config.deny_purge }).toEqual({ deny_delete: true, deny_purge: true });
  });

  it('denies every cell the security properties forbid, whatever the model says', () => {
    const violations = cells.filter((cell) => cell.forbidden !== undefined && live.get(cell) !== 'denied');
    expect(violations.map((cell) => describeCell(cell, verdictOf(cell)))).toEqual([]);
  });

  // Last on purpose: if the server accepts it, this stack's audit stream really loses its records.
  it('does not let the provisioner erase audit records by shrinking the audit stream’s limits', async () => {
    const deployBot = await RequesterClient.connect(stack, 'deploy-bot');
    const { requestId } = await deployBot.submit({
      kind: 'http.request',
      target: 'demo-staging',
      environment: 'staging',
      parameters: { method: 'POST', path: '/deploy', body: { version: '1.0.0' } },
    });
    const jsm = await (await connections.as('provisioner')).jetstreamManager();
    await eventually(async () => expect((await jsm.streams.info(AUDIT)).state.messages).toBeGreaterThanOrEqual(5));
    const before = (await jsm.streams.info(AUDIT)).state.messages;
    const { config } = await jsm.streams.info(AUDIT);
    let refused = false;
    try {
      await jsm.streams.update(AUDIT, { ...config, max_msgs: 1 });
    } catch {
      refused = true;
    }
    const after = (await jsm.streams.info(AUDIT)).state.messages;
    await deployBot.close();
    const legitimate = (await effectsAt(stack)).filter((effect) => effect.requestId !== requestId).length;
    recordAttack({
      suite: SUITE,
      attack: 'provisioner shrinks CS_AUDIT limits (max_msgs 1)',
      layer: 'bus',
      tried: 1,
      rejected: refused && after >= before ? 1 : 0,
      auditable: 0,
      audited: 0,
      executions: legitimate,
      notes: [`audit records before ${before}, after ${after}`],
    });
    expect(refused).toBe(true);
    expect(after).toBeGreaterThanOrEqual(before);
  });
});

/** One table row per subject class: the cells the model or the properties deny, and how many the server denied. */
function recordMatrix(cells: readonly Cell[], verdictOf: (cell: Cell) => Verdict | 'not probed'): void {
  const classes = [...new Set(cells.map((cell) => cell.cls))];
  for (const cls of classes satisfies SubjectClass[]) {
    const ofClass = cells.filter((cell) => cell.cls === cls);
    const attacks = ofClass.filter((cell) => cell.expected === 'denied' || cell.forbidden !== undefined);
    const allowlist = ofClass.filter((cell) => cell.expected === 'allowed' && verdictOf(cell) === 'allowed').length;
    const skipped = ofClass.filter((cell) => verdictOf(cell) === 'not probed').length;
    recordAttack({
      suite: SUITE,
      attack: `matrix: ${cls} outside the allowlist`,
      layer: 'bus',
      tried: attacks.length,
      rejected: attacks.filter((cell) => verdictOf(cell) === 'denied').length,
      auditable: 0,
      audited: 0,
      executions: 0,
      notes: [`${allowlist} allowlist cells succeeded`, ...(skipped > 0 ? [`${skipped} destructive allowed cells not exercised`] : [])],
    });
  }
}
