export { httpDate, isNotModified } from './conditional-request.js';
export { closeServer, hostPort, listen } from './listen.js';
export type { ListenAddress } from './listen.js';
export {
  closingProblemMessage,
  internalErrorMessage,
  PROBLEM_CONTENT_TYPE,
  problemDocument,
  problemMessage,
  problemType,
  sendProblem,
  sendProblemDocument,
} from './problem.js';
export type { ProblemDocument } from './problem.js';
export { readBody } from './request-body.js';
export type { BodyResult } from './request-body.js';
export { createFastPathServer } from './fast-path-server.js';
export type { FastAnswer, FastPath, FastPathServerOptions } from './fast-path-server.js';
export { ChunkedDecoder, chunkOf, LAST_CHUNK } from './http1/chunked-decoder.js';
export type { ChunkedLimits } from './http1/chunked-decoder.js';
export { findHeadEnd, parseRequestHead } from './http1/request-head.js';
export { RequestReader } from './http1/request-reader.js';
export type { HeadRead, RequestHeadLimits } from './http1/request-reader.js';
export type { RequestHead } from './http1/request-head.js';
export { parseResponseHead } from './http1/response-head.js';
export type { ResponseHead } from './http1/response-head.js';
export { deadlines } from './deadline-sweep.js';
export { httpDateNow } from './conditional-request.js';
export { createServiceListener } from './service-listener.js';
export { createStaticRoute, loadStaticFiles } from './static-files.js';
export type { StaticFile, StaticRouteOptions } from './static-files.js';
export type { ServiceHandler, ServiceListener, ServiceListenerOptions, ServiceRequest, ServiceTls } from './service-listener.js';
