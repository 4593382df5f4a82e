import { errorMessage } from './error-message';

describe('errorMessage', () => {
  it("is an Error's message, or the thrown value as text", () => {
    expect(errorMessage(new TypeError('bad type'))).toBe('bad type');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
