import { describe, expect, it } from 'vitest';
import { diffText } from '../patch/index.ts';
import { mapOffset, mergeIntoTextarea } from './editor.ts';

const caretAt = (text: string, at: number) => ({ text, selectionStart: at, selectionEnd: at });

describe('mapOffset', () => {
  it('moves an offset past text inserted before it, not past text inserted at it', () => {
    const p = diffText('hello world', 'hello big world');
    expect(mapOffset(p, 8)).toBe(12); // inside "world"
    expect(mapOffset(p, 2)).toBe(2);
  });

  it('pulls an offset inside removed text to where the removal was', () => {
    const p = { v: 1, t: 'text', ops: [4, -4, 5] } as const; // 'one two three' → 'one three'
    expect(mapOffset({ ...p, ops: [...p.ops] }, 5)).toBe(4);
    expect(mapOffset({ ...p, ops: [...p.ops] }, 13)).toBe(9);
  });
});

describe('mergeIntoTextarea', () => {
  it('without local typing takes the remote content and keeps the caret on the same text', () => {
    const r = mergeIntoTextarea('abc def', 'XY abc def', caretAt('abc def', 5));
    expect(r).toEqual(caretAt('XY abc def', 8));
  });

  it('keeps typing not yet handed to the engine, applied after the remote change', () => {
    // Local: typed "!" at the end; remote: inserted a line at the start.
    const r = mergeIntoTextarea('line\n', 'first\nline\n', caretAt('line\n!', 6));
    expect(r).toEqual(caretAt('first\nline\n!', 12));
  });

  it('puts the local insert first where both inserted at one place, caret after the local text', () => {
    const r = mergeIntoTextarea('ab', 'aRb', caretAt('aLb', 2));
    expect(r.text).toBe('aLRb');
    expect(r.selectionStart).toBe(2);
  });

  it('maps a selection through a remote deletion', () => {
    const r = mergeIntoTextarea('0123456789', '01289', { text: '0123456789', selectionStart: 4, selectionEnd: 9 });
    expect(r).toEqual({ text: '01289', selectionStart: 3, selectionEnd: 4 });
  });
});
