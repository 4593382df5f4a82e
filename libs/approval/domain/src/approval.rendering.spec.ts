import {
  actionDigest,
  RELAYED_RENDERING_MAX_CHARS,
  renderAction,
  renderingDigest,
  RENDERING_INLINE_MAX_BYTES,
  type CanonicalAction,
} from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import {
  accepted,
  ACTION,
  at,
  castVote,
  deniedEvent,
  openApproval,
  openedEvent,
  pending,
  recordedEvent,
  rejectedEvent,
  RENDERING,
  RENDERING_DIGEST,
  REQUEST_ID,
  requestedEvent,
} from './testing/approval.fixtures';
import { approvalDecider } from './index';

const spec = DeciderSpecification(approvalDecider);

/** The fixture action with `count` parameters of 4,000 characters each: a long rendering. */
function longAction(count: number): CanonicalAction {
  const parameters = Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${String(i).padStart(3, '0')}`, 'x'.repeat(4000)]));
  return { ...ACTION, parameters };
}

/** Opened and requested events for a request of `action`, as the decider derives them. */
function pendingFor(action: CanonicalAction, inline = true) {
  const rendering = renderAction(action);
  const shown = { digest: actionDigest(action), action, renderingDigest: renderingDigest(rendering) };
  const requested = requestedEvent({ ...shown, rendering });
  if (!inline) delete requested.data.rendering;
  return [openedEvent({ ...shown, window: action.window, rendering }), requested];
}

const OTHER_RENDERING = renderingDigest(`${RENDERING}\nparameters:\n  vendor: "someone else"`);

describe('approval decider: what the approver saw', () => {
  describe('opening an approval', () => {
    it('asks with the canonical rendering of the action and its digest', () => {
      spec.given([]).when(openApproval()).then(pending());
      expect(requestedEvent().data).toMatchObject({ rendering: RENDERING, renderingDigest: RENDERING_DIGEST });
    });

    it('carries only the digest of a rendering too large to carry; surfaces render the action themselves', () => {
      const action = longAction(26);
      expect(renderAction(action).length).toBeGreaterThan(RENDERING_INLINE_MAX_BYTES);
      const [opened, requested] = pendingFor(action, false);
      spec
        .given([])
        .when(openApproval({ accepted: accepted(action) }))
        .then([opened!, requested!]);
      expect(Object.keys(requested!.data)).not.toContain('rendering');
    });
  });

  describe('a vote', () => {
    it('counts when it names the action digest and the rendering digest approval showed', () => {
      spec
        .given(pending())
        .when(castVote(1, 'alice'))
        .then([recordedEvent(1, 'alice', 'approve', 1)]);
    });

    it('is rejected when it names a rendering approval did not show', () => {
      spec
        .given(pending())
        .when(castVote(1, 'alice', 'approve', { renderingDigest: OTHER_RENDERING }))
        .then([
          rejectedEvent(
            1,
            'alice',
            'rendering_mismatch',
            `the vote names rendering digest ${OTHER_RENDERING}; the request was shown as ${RENDERING_DIGEST}`,
          ),
        ]);
    });

    it('is rejected for the action digest first when it names neither', () => {
      const digest = 'f'.repeat(64);
      spec
        .given(pending())
        .when(castVote(1, 'alice', 'deny', { digest, renderingDigest: OTHER_RENDERING }))
        .then([
          rejectedEvent(1, 'alice', 'digest_mismatch', `the vote names digest ${digest}; the request's digest is ${actionDigest(ACTION)}`),
        ]);
    });
  });

  describe('a request whose rendering is too long for a Slack card', () => {
    const action = longAction(2);
    const shown = { digest: actionDigest(action), renderingDigest: renderingDigest(renderAction(action)), now: at(1) };
    const denied = deniedEvent('alice', at(1));

    it('is longer than a relayed vote can have shown in full', () => {
      expect(renderAction(action).length).toBeGreaterThan(RELAYED_RENDERING_MAX_CHARS);
    });

    it('refuses an approval relayed from Slack, pointing to the CLI', () => {
      spec
        .given(pendingFor(action))
        .when(castVote(1, 'alice', 'approve', { ...shown, via: 'slack' }))
        .then([
          rejectedEvent(
            1,
            'alice',
            'rendering_too_long',
            `the action's text (${renderAction(action).length} characters) is too long for slack to show in full; read it and approve with your own key: npx countersign status ${REQUEST_ID}`,
            at(1),
            'slack',
          ),
        ]);
    });

    it('counts a deny relayed from Slack: refusing is the safe way', () => {
      spec
        .given(pendingFor(action))
        .when(castVote(1, 'alice', 'deny', { ...shown, via: 'slack' }))
        .then([recordedEvent(1, 'alice', 'deny', 0, 'slack'), { ...denied, data: { ...denied.data, digest: shown.digest } }]);
    });

    it('counts an approval signed with the approver’s own key', () => {
      spec
        .given(pendingFor(action))
        .when(castVote(1, 'alice', 'approve', shown))
        .then([recordedEvent(1, 'alice', 'approve', 1)]);
    });
  });
});
