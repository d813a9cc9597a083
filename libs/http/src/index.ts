export { AppError, ERROR_STATUS, notFound, type ErrorCode, type ErrorDetail } from './app-error.js';
export { ErrorBodySchema, errorBody } from './error-body.js';
export { errorHandlerPlugin, frameworkErrorHandler, replyWithError, sendError } from './error-handler.plugin.js';
export { authPlugin, type PrincipalResolver } from './auth.plugin.js';
export { requestIdFrom } from './request-id.js';
export { auditContext } from './request-meta.js';
export { closeServerGracefully } from './close-server.js';
