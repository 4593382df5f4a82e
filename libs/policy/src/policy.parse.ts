import { canonicalJson, parseJson, sha256Hex, toFieldErrors, type FieldError } from '@countersign/contracts';
import { DEFAULT_FALLBACK_QUORUM, PolicyDocument, type FallbackTier, type Policy } from './policy.schema';

/** A problem in a policy file, naming the file and the field path (e.g. `tiers.1.quorum`). */
export interface PolicyError extends FieldError {
  file: string;
}

export type ParsedPolicy = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

/**
 * The version of a policy document: `sha256:` + SHA-256 of its canonical JSON. Reformatting the
 * file keeps the version; changing any value changes it. Throws on text that is not JSON, which
 * `parsePolicy` reports properly first.
 */
export function policyVersion(documentText: string): string {
  return `sha256:${sha256Hex(canonicalJson(JSON.parse(documentText)))}`;
}

/** Parses and validates a policy file's text. The file read itself belongs to the caller. */
export function parsePolicy(text: string, fileName: string): ParsedPolicy {
  const withFile = (errors: FieldError[]): ParsedPolicy => ({ ok: false, errors: errors.map((error) => ({ file: fileName, ...error })) });
  const json = parseJson(text);
  if (!json.ok) return withFile(json.errors);
  const parsed = PolicyDocument.safeParse(json.value);
  if (!parsed.success) return withFile(toFieldErrors(parsed.error));
  const document = parsed.data;
  const fallback = document.fallback ?? implicitFallback(document);
  const errors = checkReferences(document, fallback);
  if (errors.length > 0) return withFile(errors);
  return { ok: true, policy: { ...document, fallback, version: policyVersion(text), source: fileName } };
}

/** One line per error, `file: path: message (code)`, for the CLI and start-up logs. */
export function formatPolicyErrors(errors: readonly PolicyError[]): string {
  return errors.map((error) => `${error.file}: ${error.path}: ${error.message} (${error.code})`).join('\n');
}

function implicitFallback(document: PolicyDocument): FallbackTier {
  return { quorum: DEFAULT_FALLBACK_QUORUM, groups: Object.keys(document.approvers) };
}

/** Checks zod cannot express field by field: tier modes, group references, reachable quorums. */
function checkReferences(document: PolicyDocument, fallback: FallbackTier): FieldError[] {
  const errors: FieldError[] = [];
  if (Object.keys(document.approvers).length === 0) {
    errors.push({ path: 'approvers', code: 'empty', message: 'at least one approver group is needed: the fallback tier is always human' });
  }
  const seen = new Set<string>();
  document.tiers.forEach((tier, index) => {
    const at = `tiers.${index}`;
    if (seen.has(tier.name)) errors.push({ path: `${at}.name`, code: 'duplicate_tier', message: `tier "${tier.name}" is defined twice` });
    seen.add(tier.name);
    if (tier.mode === 'auto') errors.push(...checkAutoTier(tier, at));
    else errors.push(...checkQuorumRoute(document, tier, at));
  });
  // An implicit fallback is reported under `fallback` too: writing one out is the fix.
  errors.push(...checkQuorumRoute(document, fallback, 'fallback'));
  return errors;
}

function checkAutoTier(tier: { quorum?: number; groups?: string[] }, at: string): FieldError[] {
  const errors: FieldError[] = [];
  // An auto tier that names approvers reads as if people were involved; refuse the ambiguity.
  if (tier.quorum !== undefined) errors.push({ path: `${at}.quorum`, code: 'not_allowed', message: 'auto tiers take no quorum' });
  if (tier.groups !== undefined) errors.push({ path: `${at}.groups`, code: 'not_allowed', message: 'auto tiers take no groups' });
  return errors;
}

function checkQuorumRoute(document: PolicyDocument, route: { quorum?: number; groups?: string[] }, at: string): FieldError[] {
  if (route.quorum === undefined) return [{ path: `${at}.quorum`, code: 'required', message: 'quorum tiers need a quorum' }];
  if (route.groups === undefined) return [{ path: `${at}.groups`, code: 'required', message: 'quorum tiers need approver groups' }];
  const errors: FieldError[] = [];
  route.groups.forEach((group, index) => {
    if (!Object.prototype.hasOwnProperty.call(document.approvers, group)) {
      errors.push({ path: `${at}.groups.${index}`, code: 'unknown_group', message: `group "${group}" is not listed under approvers` });
    }
  });
  const available = approversOf(document.approvers, route.groups).length;
  if (errors.length === 0 && route.quorum > available) {
    const message = `quorum ${route.quorum} can never be met: the groups have ${available} distinct approvers`;
    errors.push({ path: `${at}.quorum`, code: 'quorum_unreachable', message });
  }
  return errors;
}

/** Distinct approver identities of the given groups, in document order. */
export function approversOf(approvers: Readonly<Record<string, readonly string[]>>, groups: readonly string[]): string[] {
  const ids = groups.flatMap((group) => approvers[group] ?? []);
  return [...new Set(ids)];
}
