/**
 * Brings every event to one canonical form before anything reads it: lower-case header names (platforms
 * disagree on case, and a duplicate spelling must not slip past a check), and a UTF-8 text body within
 * the size limit, base64 already decoded.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { invalidRequest } from '../../errors.js';
import type { HttpEvent, HttpResponse, PipelineContext } from '../types.js';

export interface RequestNormalizerOptions {
  /** Bodies larger than this are refused with 413 before they are parsed. */
  maxBodyBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function httpRequestNormalizer(options: RequestNormalizerOptions): MiddlewareObj<HttpEvent, HttpResponse, Error, PipelineContext> {
  return {
    before: function httpRequestNormalizerBefore(request: Request<HttpEvent, HttpResponse, Error, PipelineContext>) {
      const event = request.event;
      event.headers = lowerCaseHeaders(event.headers);

      if (event.body === undefined || event.body === null || event.body === '') return;
      if (typeof event.body !== 'string') throw invalidRequest('the request body must be text');
      // Base64 is 4/3 of the bytes it carries; refusing early avoids decoding an oversized body.
      if (event.body.length > (event.isBase64Encoded ? Math.ceil((options.maxBodyBytes * 4) / 3) + 4 : options.maxBodyBytes * 4)) {
        throw tooLarge(options.maxBodyBytes);
      }
      const bytes = event.isBase64Encoded ? decodeBase64(event.body) : Buffer.from(event.body, 'utf8');
      if (bytes.length > options.maxBodyBytes) throw tooLarge(options.maxBodyBytes);
      try {
        event.body = utf8.decode(bytes);
      } catch {
        throw invalidRequest('the request body is not valid UTF-8');
      }
      event.isBase64Encoded = false;
    },
  };
}

const tooLarge = (limit: number) => invalidRequest(`the request body must be at most ${limit} bytes`, 413);

function decodeBase64(text: string): Buffer {
  // Node's decoder skips invalid characters silently; a body that is not base64 is a bad request.
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw invalidRequest('the request body is not valid base64');
  }
  return Buffer.from(compact, 'base64');
}

/** Header names to lower case; values of duplicate spellings are joined as HTTP joins repeated headers. */
export function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const lower = name.toLowerCase();
    out[lower] = lower in out ? `${out[lower]}, ${value}` : value;
  }
  return out;
}
