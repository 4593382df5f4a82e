import { EventTypes, renderingToShow, type ApprovalRequestedV1 } from '@countersign/contracts';
import { eventHeader, type ExaminedEntry } from './entries';

/** What approvers of a request are shown, as `countersign status` prints it and `--json` returns it. */
export type Shown = { ok: true; digest: string; renderingDigest: string; rendering: string; vote: string } | { ok: false; problem: string };

/**
 * The text every approval surface shows for a request: from approval's own `approval.requested`,
 * read only when its signature verified. The rendering is shown only when it hashes to the digest
 * the request names (renderingToShow), so the text printed is the one a vote will be checked against.
 * Undefined when no approval was requested (auto-approved, refused, or not yet).
 */
export function shownToApprovers(requestId: string, entries: readonly ExaminedEntry[]): Shown | undefined {
  const requested = entries.find((entry) => entry.parsed && eventHeader(entry.parsed.event).type === EventTypes.ApprovalRequested);
  if (!requested) return undefined;
  if (!requested.event?.ok) return { ok: false, problem: 'the approval request does not verify, so what it shows cannot be believed' };
  const data = requested.event.envelope.data as ApprovalRequestedV1;
  const shown = renderingToShow(data);
  if (!shown.ok) return { ok: false, problem: shown.problem };
  const vote = `npx countersign vote --as <approver> --request ${requestId} --digest ${data.digest} --rendering ${data.renderingDigest} (--approve | --deny)`;
  return { ok: true, digest: data.digest, renderingDigest: data.renderingDigest, rendering: shown.text, vote };
}

/** The block `countersign status` prints under the timeline: the full text, both digests, the vote line. */
export function formatShown(shown: Shown): string[] {
  if (!shown.ok) return ['', `what approvers are shown: cannot be shown (${shown.problem}); do not vote on it`];
  return [
    '',
    'what approvers are shown (the full text; a vote names both digests):',
    ...shown.rendering.split('\n').map((line) => `  | ${line}`),
    `  action digest:    ${shown.digest}`,
    `  rendering digest: ${shown.renderingDigest}`,
    `  vote: ${shown.vote}`,
  ];
}
