import { FIXTURE_DIGEST, FIXTURE_RENDERING_DIGEST, FIXTURE_REQUEST_ID } from '@countersign/contracts/testing';

/**
 * A click on our card's Approve button, written out by hand in the shape of Slack's documented
 * block_actions example (https://api.slack.com/reference/interaction-payloads/block-actions),
 * independent of the stand-in's payload builder so the two check each other.
 */
export function blockActionsFixture(): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: 'UA8RXUSPL', username: 'jtorrance', name: 'jtorrance', team_id: 'T9TK3CUKW' },
    api_app_id: 'AABA1ABCD',
    token: '9s8d9as89d8as9d8as989',
    container: { type: 'message', message_ts: '1548261231.000200', channel_id: 'CBR2V3XEX', is_ephemeral: false },
    trigger_id: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
    team: { id: 'T9TK3CUKW', domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: 'CBR2V3XEX', name: 'review-updates' },
    message: {
      bot_id: 'BAH5CA16Z',
      type: 'message',
      text: 'Approval needed: http.request on demo-target (staging)',
      user: 'UAJ2RU415',
      ts: '1548261231.000200',
      app_id: 'AABA1ABCD',
      blocks: [{ type: 'header', block_id: 'hdr', text: { type: 'plain_text', text: 'Approval needed: http.request', emoji: true } }],
      team: 'T9TK3CUKW',
    },
    state: {
      values: {
        'countersign.reason': { reason: { type: 'plain_text_input', value: '  change ticket CHG-118  ' } },
      },
    },
    response_url: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
    actions: [
      {
        action_id: 'countersign.approve',
        block_id: 'countersign.decision',
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        value: `${FIXTURE_REQUEST_ID}:${FIXTURE_DIGEST}:${FIXTURE_RENDERING_DIGEST}`,
        style: 'primary',
        type: 'button',
        action_ts: '1548426417.840180',
      },
    ],
  };
}
