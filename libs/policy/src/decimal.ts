/**
 * Exact comparison of non-negative decimal strings. Amounts are money: parsing them as floats
 * would let 10000.00005 round to 10000 and slip under a threshold, so digits are compared as text.
 */
export type Ordering = -1 | 0 | 1;

const DECIMAL = /^\d+(\.\d+)?$/;

/** Whether the text is a plain non-negative decimal (digits, optionally a dot and more digits). */
export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** Compares two non-negative decimal strings exactly: -1 when a < b, 0 when equal, 1 when a > b. */
export function compareDecimal(a: string, b: string): Ordering {
  const [aInt, aFrac] = splitDecimal(a);
  const [bInt, bFrac] = splitDecimal(b);
  // Without leading zeros, a longer integer part is a larger number.
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  return compareText(aFrac.padEnd(width, '0'), bFrac.padEnd(width, '0'));
}

function splitDecimal(value: string): [integer: string, fraction: string] {
  if (!isDecimal(value)) throw new RangeError(`not a non-negative decimal: ${JSON.stringify(value)}`);
  const [integer = '0', fraction = ''] = value.split('.');
  return [integer.replace(/^0+(?=\d)/, ''), fraction];
}

// Equal-length digit strings order the same as the numbers they spell.
function compareText(a: string, b: string): Ordering {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
