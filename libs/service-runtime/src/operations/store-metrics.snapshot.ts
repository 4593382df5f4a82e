import { z } from 'zod';

export interface PendingApproval {
  tier: string;
  requestedAt: number;
  expiresAt: number;
  votes: number;
}

/** What the business metrics projection holds: pending approvals and live credentials, and what its counters counted. */
export interface MetricsState {
  approvals: Map<string, PendingApproval>;
  tiers: Set<string>;
  /** Credential id -> expiry (epoch ms; NaN when the event named none). */
  credentials: Map<string, number>;
  /** Counted since the store began, as the counters were incremented: by outcome; by type and reason; violations. */
  executions: Map<string, number>;
  refused: Map<string, { type: string; reason: string; count: number }>;
  violations: number;
}

export const emptyMetricsState = (): MetricsState => ({
  approvals: new Map(),
  tiers: new Set(),
  credentials: new Map(),
  executions: new Map(),
  refused: new Map(),
  violations: 0,
});

/** The key of a refusal count: its two label values. */
export const refusalKey = (type: string, reason: string): string => `${type}\u0000${reason}`;

/** A time as JSON writes it: NaN (a missing or unreadable time) becomes null, and back. */
const Millis = z
  .number()
  .nullable()
  .transform((value) => value ?? Number.NaN);
// No length limits: a refusal's reason is whatever code the refused message carried.
const Label = z.string();
const Count = z.number().int().min(0);

const EncodedMetricsState = z.strictObject({
  approvals: z.array(z.tuple([z.string(), z.strictObject({ tier: Label, requestedAt: Millis, expiresAt: Millis, votes: Count })])),
  tiers: z.array(Label),
  credentials: z.array(z.tuple([z.string(), Millis])),
  executions: z.array(z.tuple([Label, Count])),
  refused: z.array(z.tuple([Label, Label, Count])),
  violations: Count,
});

export function encodeMetricsState(state: MetricsState): unknown {
  return {
    approvals: [...state.approvals],
    tiers: [...state.tiers],
    credentials: [...state.credentials],
    executions: [...state.executions],
    refused: [...state.refused.values()].map(({ type, reason, count }) => [type, reason, count]),
    violations: state.violations,
  };
}

/** The state `encodeMetricsState` wrote, or undefined for anything else. */
export function decodeMetricsState(json: unknown): MetricsState | undefined {
  const parsed = EncodedMetricsState.safeParse(json);
  if (!parsed.success) return undefined;
  const { approvals, tiers, credentials, executions, refused, violations } = parsed.data;
  return {
    approvals: new Map(approvals),
    tiers: new Set(tiers),
    credentials: new Map(credentials),
    executions: new Map(executions),
    refused: new Map(refused.map(([type, reason, count]) => [refusalKey(type, reason), { type, reason, count }])),
    violations,
  };
}
