import { expect, it } from 'vitest';

it('passes before the crash', () => {
  expect(1 + 1).toBe(2);
});

// Ends the whole test process on purpose: offload must not report it passed.
it('exits the process', () => {
  process.exit(1);
});

it('passes after the crash', () => {
  expect(2 * 2).toBe(4);
});
