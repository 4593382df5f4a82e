import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RefusalsService } from './refusals.service';

/** body-parser's errors, by their `type`: the request never reached the controller. */
const PARSER_ERRORS: Record<string, string> = {
  'entity.too.large': 'body_too_large',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'body_size_mismatch',
};

/**
 * Answers every error on the Slack endpoint in the documented shape. Refusals the controller made
 * are already recorded and shaped; what the body parser refused before the controller ran (too
 * large, an unknown content encoding) is recorded here, so nothing refused goes unrecorded.
 */
@Catch()
export class RequestErrorsFilter implements ExceptionFilter {
  constructor(private readonly refusals: RefusalsService) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const response = http.getResponse<ServerResponse>();
    const answer = await this.answerFor(exception, http.getRequest<IncomingMessage>());
    response.statusCode = answer.getStatus();
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.end(JSON.stringify(answer.getResponse()));
  }

  private async answerFor(exception: unknown, request: IncomingMessage): Promise<HttpException> {
    if (exception instanceof HttpException) return exception;
    const { type, status, message } = (exception ?? {}) as { type?: unknown; status?: unknown; message?: unknown };
    const code = typeof type === 'string' ? PARSER_ERRORS[type] : undefined;
    if (!code || typeof status !== 'number') {
      return new HttpException(
        { error: 'internal_error', message: 'the request could not be handled', errors: [] },
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    const length = Number(request.headers['content-length'] ?? 0);
    try {
      return await this.refusals.refuse({ length }, { code, message: String(message), path: 'body' }, status);
    } catch (refused) {
      return refused as HttpException;
    }
  }
}
