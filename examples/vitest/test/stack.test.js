import { describe, expect, it, test } from 'vitest';
import { Stack } from '../src/stack.js';

describe('Stack', () => {
  it('pushes and pops', () => {
    const stack = new Stack();
    stack.push(1);
    stack.push(2);
    expect(stack.pop()).toBe(2);
    expect(stack.size).toBe(1);
  });

  it('refuses to pop when empty', () => {
    expect(() => new Stack().pop()).toThrow('stack is empty');
  });

  // Fails on purpose: its message and output reach the JUnit report.
  it('reports its size after overflowing', () => {
    console.log('filling a stack of 2');
    const stack = new Stack(2);
    stack.push(1);
    stack.push(2);
    expect(() => stack.push(3)).toThrow('stack overflow');
  });

  // A name with regular expression characters: ids must reach -t as data.
  it('handles (a|b)+ [weird] names.*', () => {
    expect(new Stack().size).toBe(0);
  });

  it.skip('shrinks its storage (not yet)', () => {});
  test.todo('grows without a limit');
});

describe('Stack limits', () => {
  describe('nested', () => {
    it('counts to the limit', () => {
      const stack = new Stack(3);
      for (let i = 0; i < 3; i++) stack.push(i);
      expect(stack.size).toBe(3);
    });
  });
});
