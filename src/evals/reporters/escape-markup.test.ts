import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeXmlAttribute, escapeXmlText, replaceIllegalCharacters } from './escape-markup.js';
import { parseXml } from './test-support/parse-xml.js';

describe('escaping', () => {
  it('makes characters XML 1.0 forbids visible and keeps everything else, pairs included', () => {
    expect(replaceIllegalCharacters('a\u0000b\u0008\u000b\u000c\u001f\t\n\r ok')).toBe('a\\u0000b\\u0008\\u000b\\u000c\\u001f\t\n\r ok');
    expect(replaceIllegalCharacters('\ufffe\uffff\ud800x\udc00')).toBe('\\ufffe\\uffff\\ud800x\\udc00');
    expect(replaceIllegalCharacters('emoji 😀, 𝄞, \u007f\u0085 é')).toBe('emoji 😀, 𝄞, \u007f\u0085 é');
  });

  it('round-trips any text through an XML attribute and element', () => {
    const text = 'a < b && c > d "quoted" \'single\' ]]> tab\there\r\nnew line 😀';
    const root = parseXml(`<a value="${escapeXmlAttribute(text)}" other='${escapeXmlAttribute(text)}'>${escapeXmlText(text)}</a>`);
    expect(root.attributes.value).toBe(text);
    expect(root.attributes.other).toBe(text);
    expect(root.text).toBe(text);
  });

  it('escapes HTML text and attribute values', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&amp;`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;amp;');
  });
});
