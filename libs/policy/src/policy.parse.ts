import { canonicalJson, parseJson, sha256Hex, toFieldErrors, type FieldError } from '@countersign/contracts';
import { locateJsonError, locateJsonPath } from './json-location';
import { checkReferences } from './policy.checks';
import { DEFAULT_FALLBACK_QUORUM, PolicyDocument, type FallbackTier, type Policy } from './policy.schema';

/** A problem in a policy file, naming the file, the line and the field path (e.g. `tiers.1.quorum`). */
export interface PolicyError extends FieldError {
  file: string;
  /** 1-based; absent only when the place cannot be found in the text. */
  line?: number;
  column?: number;
}

export type ParsedPolicy = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

/**
 * The version of a policy: `sha256:` + SHA-256 of the document's canonical JSON, together with the
 * Cedar text when given (line endings normalised). Reformatting the JSON keeps the version; any
 * change of a JSON value or of the Cedar text changes it. Throws on text that is not JSON, which
 * `parsePolicy` reports properly first.
 */
export function policyVersion(documentText: string, cedarText?: string): string {
  const document: unknown = JSON.parse(documentText);
  const hashed = cedarText === undefined ? document : { document, cedar: cedarText.replace(/\r\n?/g, '\n') };
  return `sha256:${sha256Hex(canonicalJson(hashed))}`;
}

/** Parses and validates a policy file's text. The file read itself belongs to the caller. */
export function parsePolicy(text: string, fileName: string): ParsedPolicy {
  const withFile = (errors: FieldError[]): ParsedPolicy => ({ ok: false, errors: errors.map((error) => located(error, text, fileName)) });
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

/** One line per error, `file:line:column: path: message (code)`, for the CLI and start-up logs. */
export function formatPolicyErrors(errors: readonly PolicyError[]): string {
  return errors
    .map((error) => {
      const where = error.line === undefined ? error.file : `${error.file}:${error.line}:${error.column ?? 1}`;
      // One line per error: some messages (JSON.parse's) quote the text across lines.
      return `${where}: ${error.path}: ${error.message.replace(/\s*\n\s*/g, ' ')} (${error.code})`;
    })
    .join('\n');
}

function located(error: FieldError, text: string, file: string): PolicyError {
  const location = error.code === 'invalid_json' ? locateJsonError(text) : locateJsonPath(text, error.path);
  return { file, ...(location ?? {}), ...error };
}

function implicitFallback(document: PolicyDocument): FallbackTier {
  return { quorum: DEFAULT_FALLBACK_QUORUM, groups: Object.keys(document.approvers) };
}

/** Distinct approver identities of the given groups, in document order. */
export function approversOf(approvers: Readonly<Record<string, readonly string[]>>, groups: readonly string[]): string[] {
  const ids = groups.flatMap((group) => approvers[group] ?? []);
  return [...new Set(ids)];
}
