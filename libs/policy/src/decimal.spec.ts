import { compareDecimal, type Ordering } from './decimal';

describe('compareDecimal', () => {
  it.each<[string, string, Ordering, string]>([
    // [a, b, expected, why]
    ['10000', '10000', 0, 'equal integers'],
    ['10000.00', '10000', 0, 'trailing zeros in the fraction do not count'],
    ['9999.9999', '10000', -1, 'just under the threshold'],
    ['10000.0001', '10000', 1, 'just over the threshold'],
    ['10000.00005', '10000.0001', -1, 'more fraction digits than a float keeps exactly'],
    ['100000', '99999', 1, 'a longer integer part is larger'],
    ['0.5', '0.45', 1, 'fractions compare digit by digit, not by length'],
    ['007', '7', 0, 'leading zeros are ignored'],
    ['0', '0.0', 0, 'zero in two spellings'],
    ['999999999999999.9999', '999999999999999.9998', 1, 'beyond float precision'],
  ])('compareDecimal(%s, %s) = %i (%s)', (a, b, expected) => {
    expect(compareDecimal(a, b)).toBe(expected);
    expect(compareDecimal(b, a)).toBe(-expected === 0 ? 0 : -expected);
  });

  it.each(['-1', '1e5', '1.', '.5', '', ' 1', '1,000'])('refuses %j rather than guessing', (text) => {
    expect(() => compareDecimal(text, '1')).toThrow(RangeError);
  });
});
