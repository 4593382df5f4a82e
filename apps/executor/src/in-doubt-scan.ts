import { EventTypes } from '@countersign/contracts';
import { readAllHeaders, type CheckpointStore, type EventStore } from '@countersign/event-store';
import { requestIdOfExecutionStream } from '@countersign/executor-domain';

/** Headers per page of the scan: a few hundred bytes each, nothing parsed. */
const SCAN_PAGE = 2_000;

/**
 * Where the next start's scan begins (a store position): every claim started at or before it was
 * found settled, or was handed to the reconciliation, which settled it (or found it settled by then).
 * Kept in the same store as the events it describes, so a store restored from a backup brings its own.
 */
export const IN_DOUBT_SCAN_CHECKPOINT = 'executor-in-doubt-scan';

/**
 * Claims with no later event in their execution stream among the events after `from`, and the last
 * position read. Only open claims are held while scanning (a claim's later event settles it), so
 * memory follows the claims in flight, not the history. Headers only: parsing every event's data
 * was most of the executor's start-up with a long history (docs/operations.md).
 */
async function unfinishedClaimsAfter(store: EventStore, from: number): Promise<{ open: string[]; scannedTo: number }> {
  const open = new Set<string>();
  let position = from;
  for (;;) {
    const page = await readAllHeaders(store, position, SCAN_PAGE);
    if (page.length === 0) break;
    for (const event of page) {
      const requestId = requestIdOfExecutionStream(event.stream);
      if (!requestId) continue;
      if (event.type === EventTypes.ExecutionStarted) open.add(requestId);
      else open.delete(requestId);
    }
    position = page[page.length - 1]!.position;
  }
  return { open: [...open], scannedTo: position };
}

/**
 * At start-up, every claim without a result is in doubt: it may or may not have run. Scans from
 * where the last start's scan ended, so a restart reads what was written since the previous start,
 * not the whole store; settles each open claim with `reconcile`, and only then moves the mark: a
 * start that fails half-way scans the same claims again.
 */
export async function reconcileUnfinishedClaims(
  store: EventStore,
  checkpoints: CheckpointStore,
  reconcile: (requestId: string) => Promise<unknown>,
): Promise<string[]> {
  const from = (await checkpoints.load(IN_DOUBT_SCAN_CHECKPOINT)) ?? -1;
  const { open, scannedTo } = await unfinishedClaimsAfter(store, from);
  for (const requestId of open) await reconcile(requestId);
  if (scannedTo > from) await checkpoints.save(IN_DOUBT_SCAN_CHECKPOINT, scannedTo);
  return open;
}
