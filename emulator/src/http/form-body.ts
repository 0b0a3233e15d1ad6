import express, { type Request, type RequestHandler, type Response } from 'express';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import multer from 'multer';
import type { Writable } from 'node:stream';
import type { Fields, FieldValue } from '../signature/signature.js';

/**
 * Reads a gateway request's fields the ways the gateway accepts them (docs/gateway/wire.md §3):
 * multipart/form-data, application/x-www-form-urlencoded (bracket notation nests), the query
 * string, or one `pg_xml` field holding `<request>…</request>`. A body that cannot be read is not
 * an exception: it yields no fields and a `problem` that tells the developer what to send.
 */
export interface FormBody {
  readonly fields: Fields;
  readonly problem?: string;
}

/**
 * The same limits for every way fields arrive: multer enforces them on multipart bodies as it
 * reads; `checkLimits` holds urlencoded bodies, the query string and `pg_xml` to them after.
 */
export const FORM_LIMITS = {
  bodyBytes: 1024 * 1024,
  fieldCount: 500,
  fieldBytes: 64 * 1024,
  nameBytes: 200,
} as const;

// multer 2.5 takes a `streamHandler` (make-middleware.js); @types/multer does not know it yet.
declare module 'multer' {
  interface Options {
    streamHandler?: (req: Request, busboy: Writable) => void;
  }
}

/** The body `readMultipart` read, for multer's `streamHandler` to hand to busboy. */
const READ_BODY = Symbol('read body');
type ReadRequest = Request & { [READ_BODY]?: Buffer };

const multipart = multer({
  // The body is read before multer runs (readMultipart): busboy is given it whole, in one write,
  // instead of through a second stream over the same bytes.
  streamHandler: (req: ReadRequest, busboy: Writable) => {
    busboy.end(req[READ_BODY]);
  },
  limits: {
    fieldSize: FORM_LIMITS.fieldBytes,
    fields: FORM_LIMITS.fieldCount,
    fieldNameSize: FORM_LIMITS.nameBytes,
    files: 0,
    parts: FORM_LIMITS.fieldCount,
  },
}).none();

const urlencoded = express.urlencoded({
  extended: true,
  limit: FORM_LIMITS.bodyBytes,
  parameterLimit: FORM_LIMITS.fieldCount,
});

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

export async function readFormBody(req: Request, res: Response): Promise<FormBody> {
  const type = req.headers['content-type'] ?? '';
  let problem: string | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (/^multipart\/form-data/i.test(type)) {
      problem = await readMultipart(req, res);
    } else if (/^application\/x-www-form-urlencoded/i.test(type)) {
      problem = await run(urlencoded, req, res, 'form-urlencoded');
    } else if (req.headers['content-length'] !== '0' || req.headers['transfer-encoding']) {
      problem = `the body's Content-Type "${type || 'none'}" is not accepted; send multipart/form-data or application/x-www-form-urlencoded`;
    }
  }
  if (problem !== undefined) return { fields: {}, problem };
  const body: unknown = req.body;
  // The query string's fields, then the body's: a name in both takes the body's value.
  const fields: Fields = {};
  if (req.url.includes('?')) addFields(fields, req.query);
  if (isRecord(body)) addFields(fields, body);
  const overLimit = checkLimits(fields);
  if (overLimit !== undefined) return { fields: {}, problem: overLimit };
  const xml = fields.pg_xml;
  if (typeof xml === 'string') return fromPgXml(xml);
  return { fields };
}

/**
 * What multer refuses in a multipart body, refused wherever the fields came from: more than
 * `fieldCount` values, a name longer than `nameBytes`, a value longer than `fieldBytes`. Names
 * are checked as sent (`pg_receipt_positions[0][name]`), sizes in UTF-8 bytes, as multer counts.
 */
export function checkLimits(fields: Fields): string | undefined {
  let count = 0;
  let problem: string | undefined;
  const walk = (name: string, value: FieldValue): void => {
    if (problem !== undefined) return;
    if (Buffer.byteLength(name) > FORM_LIMITS.nameBytes) {
      problem = nameTooLong();
    } else if (typeof value === 'string') {
      count += 1;
      if (Buffer.byteLength(value) > FORM_LIMITS.fieldBytes) problem = fieldTooLong(name);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(`${name}[]`, item);
    } else {
      for (const [key, item] of Object.entries(value)) walk(`${name}[${key}]`, item);
    }
  };
  for (const [name, value] of Object.entries(fields)) walk(name, value);
  if (count > FORM_LIMITS.fieldCount) return tooManyFields();
  return problem;
}

function fieldTooLong(name: string | undefined): string {
  const which = name === undefined ? '' : ` (${name.slice(0, 100)})`;
  return `a field is longer than ${FORM_LIMITS.fieldBytes} bytes${which}; send at most ${FORM_LIMITS.fieldBytes} bytes in one field`;
}

function nameTooLong(): string {
  return `a field name is longer than ${FORM_LIMITS.nameBytes} bytes; send shorter names`;
}

function tooManyFields(): string {
  return `the body has more than ${FORM_LIMITS.fieldCount} fields`;
}

/**
 * multer limits each field and the number of fields, not the body: 500 fields of 64 KB would be
 * 32 MB, kept with the payout. The body is read first, to at most `bodyBytes` (what is past that
 * is read and dropped, so the client gets its answer), and multer parses it from memory.
 */
async function readMultipart(req: Request, res: Response): Promise<string | undefined> {
  const body = await readCapped(req, FORM_LIMITS.bodyBytes);
  if (body === undefined) return `the body is larger than ${FORM_LIMITS.bodyBytes} bytes`;
  // multer parses only a request that says it has a body; one with neither header has an empty
  // one, which multer must still see (and refuse as it would any empty multipart body).
  if (
    req.headers['content-length'] === undefined &&
    req.headers['transfer-encoding'] === undefined
  ) {
    req.headers['content-length'] = String(body.length);
  }
  (req as ReadRequest)[READ_BODY] = body;
  return run(multipart, req, res, 'multipart/form-data');
}

/** The whole body, or undefined when it is longer than `limit` (then drained, not kept). */
function readCapped(req: Request, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) resolve(undefined);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.on('error', () => resolve(undefined));
  });
}

function run(
  middleware: RequestHandler,
  req: Request,
  res: Response,
  kind: string,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    void middleware(req, res, (error?: unknown) => {
      resolve(error === undefined ? undefined : describeBodyError(error, kind));
    });
  });
}

function describeBodyError(error: unknown, kind: string): string {
  const { code, type, field } = error as { code?: string; type?: string; field?: string };
  switch (code ?? type) {
    case 'LIMIT_FIELD_VALUE':
      return fieldTooLong(field);
    case 'LIMIT_FIELD_KEY':
      return nameTooLong();
    case 'LIMIT_FIELD_COUNT':
    case 'LIMIT_PART_COUNT':
    case 'parameters.too.many':
      return tooManyFields();
    case 'LIMIT_UNEXPECTED_FILE':
    case 'LIMIT_FILE_COUNT':
      return 'the body carries a file; the gateway takes text fields only';
    case 'entity.too.large':
      return `the body is larger than ${FORM_LIMITS.bodyBytes} bytes`;
    default:
      return `the ${kind} body could not be read (${(error as Error).message}); check the boundary and the encoding`;
  }
}

/** Drops anything that is not a string, list or map (qs and multer only produce those anyway). */
function toFields(source: unknown): Fields {
  const fields: Fields = {};
  addFields(fields, source);
  return fields;
}

function addFields(fields: Fields, source: unknown): void {
  if (!isRecord(source)) return;
  for (const key of Object.keys(source)) {
    const field = toFieldValue(source[key]);
    if (field !== undefined) fields[key] = field;
  }
}

function toFieldValue(value: unknown): FieldValue | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value.map(toFieldValue).filter((item): item is FieldValue => item !== undefined);
  }
  if (isRecord(value)) return toFields(value);
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `pg_xml`: the whole request as `<request>…</request>`; its children are the fields. */
function fromPgXml(xml: string): FormBody {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return {
      fields: {},
      problem: `pg_xml is not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg.replace(/\s+/g, ' ')}; check that every tag is closed and & < > are escaped`,
    };
  }
  let document: Record<string, unknown>;
  try {
    document = xmlParser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    return {
      fields: {},
      problem: `pg_xml could not be read (${(error as Error).message}); send <request> with its fields one level deep`,
    };
  }
  const rootName = Object.keys(document).find((key) => !key.startsWith('?'));
  const root = rootName === undefined ? undefined : document[rootName];
  if (!isRecord(root)) {
    return { fields: {}, problem: 'pg_xml must hold one <request> element with the fields inside' };
  }
  const fields = toFields(root);
  const overLimit = checkLimits(fields);
  return overLimit === undefined ? { fields } : { fields: {}, problem: overLimit };
}
