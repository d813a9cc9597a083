import { describe, expect, it } from 'vitest';
import { csvField } from './csv-writer.js';

/**
 * Finding "CSV formula injection" (#12): a cell of an export that starts with `=`, `+`, `-`, `@`,
 * a tab or a CR runs as a formula when a spreadsheet opens the file. Such text is neutralised as
 * OWASP recommends: a single quote in front, and the cell quoted.
 */
describe('csvField', () => {
  it.each(['=1+1', '+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("http://x")'])('%j becomes a quoted text cell', (text) => {
    expect(csvField(text)).toBe(`"'${text.replace(/"/g, '""')}"`);
  });

  it('leaves ordinary text and numbers (negative ones too) as they were', () => {
    expect(csvField('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
  });
});
