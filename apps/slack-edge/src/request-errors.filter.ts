import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, parserRefusal, sendError, type ErrorBody } from '@countersign/service-runtime';
import type { RefusalsService } from './refusals.service';

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
    const answer = await this.answerFor(exception, http.getRequest<IncomingMessage>());
    sendError(http.getResponse<ServerResponse>(), answer.getStatus(), answer.getResponse() as ErrorBody);
  }

  private async answerFor(exception: unknown, request: IncomingMessage): Promise<HttpException> {
    if (exception instanceof HttpException) return exception;
    const parsed = parserRefusal(exception);
    if (!parsed) {
      return new HttpException(errorBody('internal_error', 'the request could not be handled'), HttpStatus.INTERNAL_SERVER_ERROR);
    }
    const length = Number(request.headers['content-length'] ?? 0);
    try {
      return await this.refusals.refuse({ length }, { code: parsed.code, message: parsed.message, path: 'body' }, parsed.status);
    } catch (refused) {
      return refused as HttpException;
    }
  }
}
