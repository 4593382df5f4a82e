import { z } from 'zod';
import { EnvelopeSchema, FieldErrorSchema, RequestSubmittedV1 } from '@countersign/contracts';

/** OpenAPI 3.1 for intake's HTTP edge, generated from the same zod schemas the code validates with. */
export function openApiDocument(): Record<string, unknown> {
  const errorBody = z.object({ error: z.string(), message: z.string(), errors: z.array(FieldErrorSchema).min(1) });
  const refusal = (description: string) => ({ description, content: { 'application/json': { schema: z.toJSONSchema(errorBody) } } });
  return {
    openapi: '3.1.0',
    info: { title: 'Countersign intake', version: '1.0.0', description: 'Submit a signed request for an approval-gated action.' },
    paths: {
      '/v1/submissions': {
        post: {
          summary: 'Submit a signed countersign.request.submitted.v1 envelope',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Envelope' } },
              'application/cloudevents+json': { schema: { $ref: '#/components/schemas/Envelope' } },
            },
          },
          responses: {
            '202': {
              description:
                'Accepted for approval, joined (the same action is already pending for this requester: joinedRequestId names it, no second approval is opened) or already received (the same envelope id was submitted before)',
              content: {
                'application/json': {
                  schema: z.toJSONSchema(
                    z.object({
                      status: z.enum(['accepted', 'joined', 'already_received']),
                      eventId: z.string(),
                      requestId: z.string().optional(),
                      digest: z.string().optional(),
                      joinedRequestId: z.string().optional(),
                    }),
                  ),
                },
              },
            },
            '400': refusal('Malformed or rejected; every error names its field'),
            '401': refusal('Signature, key or signer not trusted for this type'),
            '413': refusal('Body over the 256 KiB limit'),
            '415': refusal('Content type other than application/json or application/cloudevents+json'),
            '429': refusal(
              "Over the requester's budget for the tier (errors[].code rate_limited): submissions per minute or pending approvals",
            ),
          },
        },
      },
    },
    components: {
      schemas: {
        Envelope: z.toJSONSchema(EnvelopeSchema, { unrepresentable: 'any' }),
        RequestSubmittedV1: z.toJSONSchema(RequestSubmittedV1, { unrepresentable: 'any' }),
      },
    },
  };
}
