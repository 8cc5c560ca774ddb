export { httpDate, isNotModified } from './conditional-request.js';
export { closeServer, hostPort, listen } from './listen.js';
export type { ListenAddress } from './listen.js';
export { closingProblemMessage, internalErrorMessage, PROBLEM_CONTENT_TYPE, problemDocument, problemMessage, problemType, sendProblem, sendProblemDocument } from './problem.js';
export type { ProblemDocument } from './problem.js';
export { readBody } from './request-body.js';
export type { BodyResult } from './request-body.js';
export { createFastPathServer } from './fast-path-server.js';
export type { FastAnswer, FastPath, FastPathServerOptions } from './fast-path-server.js';
