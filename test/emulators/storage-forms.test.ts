/**
 * The pieces of the stand-ins' POST Object that the SDK-driven tests cannot reach: the strict multipart
 * reader (what it refuses, and that it reads what the platform's FormData writes) and the policy grammar
 * (what makes a policy document invalid, and how each condition is judged).
 */
import { describe, expect, it } from 'vitest';
import { FormPartTooLarge, MalformedForm, formBoundary, parseMultipartForm } from '../../emulators/storage/multipart-form.js';
import { decodePolicyField, firstUnmetCondition, parsePostPolicy } from '../../emulators/storage/post-policy.js';
import { formBody } from './storage-client.js';

const LIMITS = { maxParts: 4, maxFieldBytes: 16, maxFileBytes: 64, fileField: 'file' };
const form = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8');
const part = (name: string, value: string, extra = '') => `--B\nContent-Disposition: form-data; name="${name}"${extra}\n\n${value}\n`;

describe('the multipart/form-data reader', () => {
  it('reads what FormData writes: names, a quoted name with a semicolon, a file with its name and type, in order', async () => {
    const { body, contentType } = await formBody([
      ['key', 'users/a b.txt'],
      ['odd;name', 'x'],
      ['file', { content: 'hi\r\n--not-a-boundary', filename: 'a.txt', type: 'text/plain' }],
    ]);
    const parts = parseMultipartForm(body, formBoundary(contentType), { ...LIMITS, maxFieldBytes: 1024 });
    expect(parts.map((p) => [p.name, p.value.toString(), p.filename, p.contentType])).toEqual([
      ['key', 'users/a b.txt', undefined, undefined],
      ['odd;name', 'x', undefined, undefined],
      ['file', 'hi\r\n--not-a-boundary', 'a.txt', 'text/plain'],
    ]);
  });

  it.each([
    ['a Content-Type that is not multipart/form-data', 'application/x-www-form-urlencoded'],
    ['no boundary', 'multipart/form-data'],
    ['a boundary with characters RFC 2046 does not allow', 'multipart/form-data; boundary=a{b'],
  ])('refuses %s', (_case, contentType) => {
    expect(() => formBoundary(contentType)).toThrow(MalformedForm);
  });

  it.each([
    ['a preamble before the first boundary', `preamble\n${part('key', 'k')}--B--\n`],
    ['a missing closing boundary', part('key', 'k')],
    ['a part without Content-Disposition', '--B\nContent-Type: text/plain\n\nk\n--B--\n'],
    ['a part that is not form-data', '--B\nContent-Disposition: attachment; name="key"\n\nk\n--B--\n'],
    ['a part without a name', '--B\nContent-Disposition: form-data; filename="x"\n\nk\n--B--\n'],
    ['two Content-Disposition headers', '--B\nContent-Disposition: form-data; name="a"\nContent-Disposition: form-data; name="b"\n\nk\n--B--\n'],
    ['an unterminated quote', '--B\nContent-Disposition: form-data; name="key\n\nk\n--B--\n'],
    ['a header block with no end', '--B\nContent-Disposition: form-data; name="key"\nk\n--B--\n'],
    ['more parts than allowed', `${part('a', '1')}${part('b', '2')}${part('c', '3')}${part('d', '4')}${part('e', '5')}--B--\n`],
    ['a boundary line not ended by CRLF', `--Bx\n${part('key', 'k').slice(4)}--B--\n`],
    ['no parts at all', '--B--\n'],
  ])('refuses %s', (_case, text) => {
    expect(() => parseMultipartForm(form(text), 'B', LIMITS)).toThrow(MalformedForm);
  });

  it('bounds fields and the file separately, naming the part that is too large', () => {
    expect(() => parseMultipartForm(form(`${part('key', 'k'.repeat(17))}--B--\n`), 'B', LIMITS)).toThrow(FormPartTooLarge);
    expect(parseMultipartForm(form(`${part('file', 'f'.repeat(64), '; filename="a"')}--B--\n`), 'B', LIMITS)[0]?.value).toHaveLength(64);
    try {
      parseMultipartForm(form(`${part('File', 'f'.repeat(65), '; filename="a"')}--B--\n`), 'B', LIMITS);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FormPartTooLarge);
      expect((error as FormPartTooLarge).field).toBe('File');
    }
  });
});

describe('the POST policy grammar', () => {
  const all = { operators: new Set(['eq', 'starts-with', 'in', 'not-in'] as const) };
  const eqOnly = { operators: new Set(['eq', 'starts-with'] as const) };
  const policy = (conditions: unknown, expiration: unknown = '2030-01-01T00:00:00.000Z') => JSON.stringify({ expiration, conditions });

  it('decodes only strict base64 of UTF-8', () => {
    expect(decodePolicyField(Buffer.from('{"a":1}').toString('base64'))).toBe('{"a":1}');
    expect(decodePolicyField('eyJhIjox fQ==')).toBeUndefined();
    expect(decodePolicyField('eyJhIjox')).toBe('{"a":1');
    expect(decodePolicyField('eyJ')).toBeUndefined();
    expect(decodePolicyField(Buffer.from([0xff, 0xfe, 0xfd]).toString('base64'))).toBeUndefined();
    expect(decodePolicyField('')).toBeUndefined();
  });

  it.each([
    ['not JSON', 'nope'],
    ['an expiration that is not ISO 8601 UTC', policy([{ bucket: 'b' }], '2030-01-01 00:00:00')],
    ['an expiration with an offset', policy([{ bucket: 'b' }], '2030-01-01T00:00:00+08:00')],
    ['no conditions', policy([])],
    ['conditions that are not a list', policy({ bucket: 'b' })],
    ['a condition that is a number', policy([123])],
    ['an exact match naming two fields', policy([{ bucket: 'b', key: 'k' }])],
    ['an exact match with a number', policy([{ bucket: 1 }])],
    ['a field without $', policy([['eq', 'key', 'k']])],
    ['a range with min > max', policy([['content-length-range', 20, 10]])],
    ['a range with a string', policy([['content-length-range', 1, 'test']])],
    ['a negative range', policy([['content-length-range', -1, 10]])],
    ['not-in with a string', policy([['not-in', '$cache-control', 'no-cache']])],
    ['an unknown operator', policy([['matches', '$key', '.*']])],
  ])('finds %s invalid', (_case, text) => {
    expect(typeof parsePostPolicy(text, all)).toBe('string');
  });

  it('refuses in and not-in where the service has no such operator', () => {
    expect(parsePostPolicy(policy([['in', '$key', ['k']]]), eqOnly)).toMatch(/in is not supported/);
    expect(parsePostPolicy(policy([['in', '$key', ['k']]]), all)).toMatchObject({ conditions: [{ operator: 'in', field: 'key' }] });
  });

  it('judges each condition: exact, prefix, lists, an absent field, and an inclusive size range', () => {
    const parsed = parsePostPolicy(
      policy([{ Bucket: 'b' }, ['starts-with', '$Key', 'users/'], ['in', '$content-type', ['image/png']], ['not-in', '$cache-control', ['no-cache']], ['content-length-range', 2, 4]]),
      all,
    );
    if (typeof parsed === 'string') throw new Error(parsed);
    const fields = { bucket: 'b', key: 'users/a', 'content-type': 'image/png' } as Record<string, string>;
    const unmet = (changes: Record<string, string | undefined>, size = 3) => firstUnmetCondition(parsed, (field) => ({ ...fields, ...changes })[field], size);

    expect(unmet({})).toBeUndefined();
    expect(unmet({}, 2)).toBeUndefined();
    expect(unmet({}, 4)).toBeUndefined();
    expect(unmet({}, 5)?.reason).toBe('too-large');
    expect(unmet({}, 1)?.reason).toBe('too-small');
    expect(unmet({ bucket: 'other' })?.condition).toMatchObject({ field: 'bucket' });
    expect(unmet({ key: 'admin/users/a' })?.condition).toMatchObject({ field: 'key', operator: 'starts-with' });
    expect(unmet({ 'content-type': 'image/gif' })?.condition).toMatchObject({ operator: 'in' });
    expect(unmet({ 'content-type': undefined })?.condition).toMatchObject({ operator: 'in' });
    expect(unmet({ 'cache-control': 'no-cache' })?.condition).toMatchObject({ operator: 'not-in' });
    expect(unmet({ 'cache-control': 'max-age=1' })).toBeUndefined();
  });
});
