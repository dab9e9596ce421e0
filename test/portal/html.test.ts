// The escaping the portal's pages rest on (portal/html.ts): every value interpolated into a page
// is text, in element content and in quoted attributes; bidirectional controls are shown, not
// obeyed; chart data cannot close its script element; a long value is cut on whole characters.
import { describe, expect, it } from 'vitest';
import { showBidiControls } from '../../core/bidi.ts';
import { cut, escapeHtml, h, Html, jsonScript } from '../../portal/html.ts';

describe('escapeHtml', () => {
  it('escapes the five markup characters and leaves everything else', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
    expect(escapeHtml('"><img src=x onerror=alert(1)>')).toBe(
      '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(escapeHtml('=1+1 @SUM(A1) Perché Ñ 中文 مرحبا')).toBe(
      '=1+1 @SUM(A1) Perché Ñ 中文 مرحبا',
    );
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('shows null and undefined as nothing, numbers and dates as text', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(0)).toBe('0');
    expect(escapeHtml(new Date('2021-01-02T03:04:05Z'))).toBe('2021-01-02T03:04:05.000Z');
  });

  it('makes every bidirectional embedding, override and isolate visible', () => {
    const controls = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
    for (const code of controls) {
      const marker = `[U+${code.toString(16).toUpperCase()}]`;
      expect(escapeHtml(`A${String.fromCodePoint(code)}B`)).toBe(`A${marker}B`);
    }
    expect(escapeHtml('ROSSI\u202Efdp.exe<b>')).toBe('ROSSI[U+202E]fdp.exe&lt;b&gt;');
    // Marks (LRM, RLM) and right-to-left letters are text, not controls: kept.
    expect(escapeHtml('\u200Eمرحبا\u200F')).toBe('\u200Eمرحبا\u200F');
    expect(showBidiControls('a\u2067b\u2069c')).toBe('a[U+2067]b[U+2069]c');
  });
});

describe('h', () => {
  it('escapes interpolations in text and in attributes, keeps Html and joins arrays', () => {
    const name = '"><img src=x onerror=alert(1)>';
    expect(h`<td title="${name}">${name}</td>`.text).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>',
    );
    expect(h`<p>${new Html('<b>kept</b>')}${['<i>', h`<u>x</u>`]}</p>`.text).toBe(
      '<p><b>kept</b>&lt;i&gt;<u>x</u></p>',
    );
    expect(h`${null}${undefined}${false}${true}${0}`.text).toBe('0');
  });
});

describe('jsonScript', () => {
  it('cannot be closed or commented out by a value, and reads back the same data', () => {
    const labels = ['</script><script>alert(1)</script>', '<!--', 'a & b', 'ROSSI\u202Eexe'];
    const html = jsonScript('chart-data', { labels }).text;
    const body = /^<script type="application\/json" id="chart-data">(.*)<\/script>$/s.exec(
      html,
    )![1]!;
    expect(body).not.toMatch(/[<>&]/);
    expect(JSON.parse(body)).toEqual({
      labels: ['</script><script>alert(1)</script>', '<!--', 'a & b', 'ROSSI[U+202E]exe'],
    });
  });
});

describe('cut', () => {
  it('keeps values up to the limit and cuts longer ones on whole characters with an ellipsis', () => {
    expect(cut('ROSSI', 5)).toBe('ROSSI');
    expect(cut('ROSSIA', 5)).toBe('ROSS…');
    expect(cut('A'.repeat(5000), 80)).toBe(`${'A'.repeat(79)}…`);
    // Astral characters (two UTF-16 units) are never split.
    expect(cut('😀😀😀😀', 3)).toBe('😀😀…');
    expect(cut('😀😀😀', 3)).toBe('😀😀😀');
  });
});
