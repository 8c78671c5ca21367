/**
 * Lesson 10 · JSON-RPC 2.0, the message format inside each frame (framing.ts).
 *
 *   request       {"jsonrpc":"2.0","id":1,"method":"ping"}          → gets a response with id 1
 *   notification  {"jsonrpc":"2.0","method":"log","params":["hi"]}  → no id, so no response, ever
 *   response      {"jsonrpc":"2.0","id":1,"result":"pong"}
 *   error         {"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"..."}}
 *
 * The id is how a response finds its request: a child may answer a slow request
 * after a quick one that came later, and the parent still knows which is which.
 */

// #region errors
/** The error codes JSON-RPC 2.0 reserves; a server may add its own outside -32768…-32000. */
export const PARSE_ERROR = -32700; // the body is not JSON at all
export const INVALID_REQUEST = -32600; // JSON, but not a request object
export const METHOD_NOT_FOUND = -32601; // a request for a method we do not have
export const INVALID_PARAMS = -32602; // the method exists, its params do not fit
export const INTERNAL_ERROR = -32603; // the method itself failed
// #endregion errors

export type Id = number | string | null;

export interface ErrorObject {
  code: number;
  message: string;
}

export type Response = { jsonrpc: '2.0'; id: Id } & (
  { result: unknown } | { error: ErrorObject }
);

/** A method: gets the request's params, returns (or resolves with) the result. */
export type Method = (params: unknown) => unknown;

/** Thrown by a method to answer with a specific error code. */
export class RpcError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

function errorResponse(id: Id, code: number, message: string): Response {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

// #region handle
/**
 * One message body in, the response to write back out, or `undefined` when
 * nothing may be sent: a notification gets no response, not even an error.
 */
export async function handleMessage(
  body: string,
  methods: Record<string, Method>,
): Promise<Response | undefined> {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return errorResponse(
      null,
      PARSE_ERROR,
      `parse error: not JSON: ${JSON.stringify(body.slice(0, 40))}`,
    );
  }
  if (
    typeof message !== 'object' ||
    message === null ||
    Array.isArray(message)
  ) {
    // (JSON-RPC allows a batch, an array of requests; LSP and MCP dropped them, and so do we.)
    return errorResponse(
      null,
      INVALID_REQUEST,
      'invalid request: expected one JSON object',
    );
  }
  const request = message as Record<string, unknown>;
  const id = request.id;
  const validId =
    id === undefined ||
    id === null ||
    typeof id === 'string' ||
    typeof id === 'number';
  if (
    request.jsonrpc !== '2.0' ||
    typeof request.method !== 'string' ||
    !validId
  ) {
    return errorResponse(
      validId ? (id ?? null) : null,
      INVALID_REQUEST,
      'invalid request: needs "jsonrpc":"2.0", a string "method" and a number or string "id"',
    );
  }
  const isNotification = !('id' in request);
  // Object.hasOwn: a method named "constructor" or "__proto__" must not reach Object's own.
  const method = Object.hasOwn(methods, request.method)
    ? methods[request.method]
    : undefined;
  if (method === undefined) {
    if (isNotification) return undefined;
    return errorResponse(
      id ?? null,
      METHOD_NOT_FOUND,
      `method not found: ${JSON.stringify(request.method.slice(0, 40))}`,
    );
  }
  try {
    const result = await method(request.params);
    return isNotification
      ? undefined
      : { jsonrpc: '2.0', id: id ?? null, result: result ?? null };
  } catch (error) {
    if (isNotification) return undefined;
    if (error instanceof RpcError)
      return errorResponse(id ?? null, error.code, error.message);
    return errorResponse(id ?? null, INTERNAL_ERROR, 'internal error');
  }
}
// #endregion handle
