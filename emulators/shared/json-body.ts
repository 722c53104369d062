/**
 * JSON request bodies as the emulators of JSON APIs (Tencent API 3.0, Huawei IAM and STS) read them. Only the reading:
 * which fields an API takes, and how it words and codes a refusal, stay in each emulator.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a Content-Type names the JSON media type; parameters such as charset may follow, case does not matter. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * The JSON object a request body holds. Anything else is handed to `refuse` as what is wrong with it
 * (`is not valid JSON` or `must be a JSON object`), for the emulator to answer in its cloud's words.
 */
export function parseJsonObject(body: Buffer, refuse: (problem: string) => never): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse('is not valid JSON');
  }
  return isPlainObject(parsed) ? parsed : refuse('must be a JSON object');
}
