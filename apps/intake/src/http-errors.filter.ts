import { Catch, HttpException, HttpStatus, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, parserRefusal, sendError, shapedBody, type ErrorBody } from '@countersign/service-runtime';

/** Intake's routes and their methods: a known path asked with another method is a 405, not a 404. */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/v1/submissions': ['POST'],
  '/v1/openapi.json': ['GET', 'HEAD'],
};

interface Answer {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

/**
 * Every HTTP answer that is not a success leaves intake in the documented shape
 * `{error, message, errors:[{path, code, message}]}`: the controller's refusals as they are, and
 * what never reached it (a body the parser refused, an unknown route or method) shaped here. Only a
 * fault of intake itself is a 5xx; it is logged, and its detail is not sent to the caller.
 */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  constructor(private readonly logger: { error: (line: string) => void }) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const { status, body, headers } = this.answerFor(exception, http.getRequest<IncomingMessage>());
    sendError(http.getResponse<ServerResponse>(), status, body, headers);
  }

  private answerFor(exception: unknown, request: IncomingMessage): Answer {
    if (exception instanceof HttpException) {
      const shaped = shapedBody(exception);
      if (shaped) return { status: exception.getStatus(), body: shaped };
      if (exception instanceof NotFoundException) return unknownRoute(request);
      const status = exception.getStatus();
      return { status, body: errorBody(codeOf(status), exception.message) };
    }
    const parser = parserRefusal(exception);
    if (parser) return { status: parser.status, body: errorBody(parser.code, parser.message, 'body') };
    this.logger.error(
      `unhandled error on ${request.method} ${request.url}: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: errorBody('internal_error', 'the request could not be handled') };
  }
}

function unknownRoute(request: IncomingMessage): Answer {
  const path = (request.url ?? '/').split('?')[0]!.replace(/(.)\/+$/, '$1');
  const allowed = ROUTES[path];
  if (allowed) {
    const message = `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`;
    return {
      status: HttpStatus.METHOD_NOT_ALLOWED,
      body: errorBody('method_not_allowed', message, 'method'),
      headers: { allow: allowed.join(', ') },
    };
  }
  return { status: HttpStatus.NOT_FOUND, body: errorBody('not_found', `no route ${path}; see GET /v1/openapi.json`, 'path') };
}

/** `Payload Too Large` -> `payload_too_large`: a code for an HttpException that carried none. */
function codeOf(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase() : `http_${status}`;
}
