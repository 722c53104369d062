/**
 * A small, strict `multipart/form-data` reader (RFC 7578 on RFC 2046) for the stand-ins' POST Object: it
 * reads what browsers, `FormData` and `wx.uploadFile` send and refuses anything else rather than guess.
 *
 * Strict on purpose, because a form is where an upload policy is enforced: a parser that tolerated two
 * `key` fields, or a part without a name, would let a test pass a form the real service judges otherwise.
 * So the body must open with the first delimiter (no preamble), every part needs `Content-Disposition:
 * form-data; name="…"`, lines end in CRLF, the closing delimiter must be there, and every size is bounded.
 *
 * @module
 */

/** One part of the form, in the order sent. */
export interface FormPart {
  /** As sent; services compare field names without regard to case, so callers lowercase it. */
  readonly name: string;
  /** The `filename` parameter, present on file inputs. */
  readonly filename?: string;
  /** The part's own Content-Type header. */
  readonly contentType?: string;
  readonly value: Buffer;
}

export interface FormLimits {
  /** Most parts a form may have. */
  readonly maxParts: number;
  /** Largest value of a part other than `fileField`. */
  readonly maxFieldBytes: number;
  /** Largest value of the `fileField` part. */
  readonly maxFileBytes: number;
  /** The field whose value may be as large as `maxFileBytes` (compared without regard to case). */
  readonly fileField: string;
}

/** The form is not well-formed multipart/form-data; `reason` says where. */
export class MalformedForm extends Error {}

/** The largest header block a part may have. */
const MAX_PART_HEADER_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary a `multipart/form-data` Content-Type names; MalformedForm for any other content type. */
export function formBoundary(contentType: string | undefined): string {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'multipart/form-data') throw new MalformedForm('the Content-Type is not multipart/form-data');
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (parameter.slice(0, equals).trim().toLowerCase() !== 'boundary') continue;
    const raw = parameter.slice(equals + 1).trim();
    const boundary = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
    // RFC 2046 bchars, 1 to 70 of them, not ending in a space.
    if (!/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) throw new MalformedForm('the boundary is not a valid RFC 2046 boundary');
    return boundary;
  }
  throw new MalformedForm('the Content-Type names no boundary');
}

/** The parts of `body`, delimited by `boundary`; MalformedForm when the body is not a well-formed form within `limits`. */
export function parseMultipartForm(body: Buffer, boundary: string, limits: FormLimits): FormPart[] {
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, opening.length).equals(opening)) throw new MalformedForm('the body does not open with the boundary');
  const parts: FormPart[] = [];
  let position = opening.length;
  for (;;) {
    if (body.subarray(position, position + 2).toString('latin1') === '--') return closed(parts);
    if (!body.subarray(position, position + 2).equals(CRLF)) throw new MalformedForm('a boundary line does not end in CRLF');
    if (parts.length === limits.maxParts) throw new MalformedForm(`the form has more than ${limits.maxParts} parts`);
    const headerStart = position + 2;
    const headerEnd = body.indexOf(HEADER_END, headerStart);
    if (headerEnd === -1 || headerEnd - headerStart > MAX_PART_HEADER_BYTES) throw new MalformedForm('a part has no complete header block');
    const headers = partHeaders(body.subarray(headerStart, headerEnd).toString('utf8'));
    const valueStart = headerEnd + HEADER_END.length;
    const valueEnd = body.indexOf(delimiter, valueStart);
    if (valueEnd === -1) throw new MalformedForm('the closing boundary is missing');
    const isFile = headers.name.toLowerCase() === limits.fileField.toLowerCase();
    const limit = isFile ? limits.maxFileBytes : limits.maxFieldBytes;
    if (valueEnd - valueStart > limit) throw new FormPartTooLarge(headers.name, limit);
    parts.push({ ...headers, value: body.subarray(valueStart, valueEnd) });
    position = valueEnd + delimiter.length;
  }
}

/** A part is larger than the reader accepts (the caller decides how its service words that). */
export class FormPartTooLarge extends MalformedForm {
  constructor(
    readonly field: string,
    readonly limit: number,
  ) {
    super(`the value of ${field} is larger than ${limit} bytes`);
  }
}

function closed(parts: FormPart[]): FormPart[] {
  if (parts.length === 0) throw new MalformedForm('the form has no parts');
  return parts;
}

/** Content-Disposition gives the name (and filename); Content-Type is kept; other headers are allowed and ignored. */
function partHeaders(block: string): { name: string; filename?: string; contentType?: string } {
  let disposition: { name: string; filename?: string } | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedForm('a part header line has no name');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') {
      if (disposition) throw new MalformedForm('a part has two Content-Disposition headers');
      disposition = formDataDisposition(value);
    } else if (name === 'content-type') {
      contentType = value;
    }
  }
  if (!disposition) throw new MalformedForm('a part has no Content-Disposition header');
  return { ...disposition, ...(contentType !== undefined ? { contentType } : {}) };
}

function formDataDisposition(value: string): { name: string; filename?: string } {
  const [type = '', ...parameters] = splitParameters(value);
  if (type.toLowerCase() !== 'form-data') throw new MalformedForm('a part is not form-data');
  const found = new Map<string, string>();
  for (const parameter of parameters) {
    const match = /^([A-Za-z0-9*_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s";]+))$/.exec(parameter);
    if (!match) throw new MalformedForm('a Content-Disposition parameter is malformed');
    const key = match[1]!.toLowerCase();
    if (found.has(key)) throw new MalformedForm(`a Content-Disposition repeats ${key}`);
    found.set(key, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!);
  }
  const name = found.get('name');
  if (name === undefined || name === '') throw new MalformedForm('a part has no field name');
  const filename = found.get('filename');
  return { name, ...(filename !== undefined ? { filename } : {}) };
}

/** `form-data; name="a;b"; filename=x` → `form-data`, `name="a;b"`, `filename=x` (semicolons inside quotes kept). */
function splitParameters(value: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index]!;
    if (char === '\\' && quoted) {
      current += char + (value[index + 1] ?? '');
      index += 1;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === ';' && !quoted) {
      pieces.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (quoted) throw new MalformedForm('a Content-Disposition has an unterminated quote');
  pieces.push(current.trim());
  return pieces;
}
