/**
 * Validation of a data-source request object as the resolver returned it. AppSync rejects a
 * malformed request before calling the service, with errorType `MappingTemplate`; so do we.
 */
export class MalformedRequest extends Error {
  readonly type = 'MappingTemplate';
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(req: Record<string, unknown>, name: string, path = ''): unknown {
  const v = req[name];
  if (v === undefined || v === null) throw new MalformedRequest(`Value for field '$${path}[${name}]' not found.`);
  return v;
}

export function objectField(req: Record<string, unknown>, name: string, path = ''): Record<string, unknown> {
  const v = field(req, name, path);
  if (!isObject(v)) throw new MalformedRequest(`Expected JSON object for field '$${path}[${name}]'.`);
  return v;
}

export function optionalObject(req: Record<string, unknown>, name: string, path = ''): Record<string, unknown> | undefined {
  return req[name] === undefined || req[name] === null ? undefined : objectField(req, name, path);
}

export function stringField(req: Record<string, unknown>, name: string, path = ''): string {
  const v = field(req, name, path);
  if (typeof v !== 'string') throw new MalformedRequest(`Expected string for field '$${path}[${name}]'.`);
  return v;
}

export function optionalString(req: Record<string, unknown>, name: string, path = ''): string | undefined {
  return req[name] === undefined || req[name] === null ? undefined : stringField(req, name, path);
}

export function optionalBoolean(req: Record<string, unknown>, name: string, path = ''): boolean | undefined {
  const v = req[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new MalformedRequest(`Expected boolean for field '$${path}[${name}]'.`);
  return v;
}

export function optionalInteger(req: Record<string, unknown>, name: string, path = '', min = 0): number | undefined {
  const v = req[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new MalformedRequest(`Expected an integer >= ${min} for field '$${path}[${name}]'.`);
  }
  return v;
}

export function arrayField(req: Record<string, unknown>, name: string, path = ''): unknown[] {
  const v = field(req, name, path);
  if (!Array.isArray(v)) throw new MalformedRequest(`Expected JSON array for field '$${path}[${name}]'.`);
  return v;
}
