import { CoalescedCheckpoints } from './relay-checkpoints';

const DELAY_MS = 20;
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CoalescedCheckpoints', () => {
  it('saves once, the newest position, a little after the first publish that wants it', async () => {
    const saves: number[] = [];
    const checkpoints = new CoalescedCheckpoints((position) => Promise.resolve(void saves.push(position)), DELAY_MS);
    checkpoints.reset(4);
    for (const position of [5, 6, 7]) checkpoints.want(position);
    expect(saves).toEqual([]);
    await later(DELAY_MS * 3);
    expect(saves).toEqual([7]);
  });

  it('saves nothing for a position the store already holds', async () => {
    const saves: number[] = [];
    const checkpoints = new CoalescedCheckpoints((position) => Promise.resolve(void saves.push(position)), DELAY_MS);
    checkpoints.reset(9);
    checkpoints.want(9);
    await checkpoints.flush();
    await later(DELAY_MS * 2);
    expect(saves).toEqual([]);
  });

  it('flush saves at once, then whatever was wanted while that save ran', async () => {
    const saves: number[] = [];
    const save = async (position: number) => {
      saves.push(position);
      if (position === 2) checkpoints.want(3); // a publish retired while the save was under way
      await later(1);
    };
    const checkpoints = new CoalescedCheckpoints(save, 60_000);
    checkpoints.reset(0);
    checkpoints.want(2);
    await checkpoints.flush();
    expect(saves).toEqual([2, 3]);
  });

  it('flush ends when the save gives up (the relay stopped), leaving the checkpoint where it was', async () => {
    let attempts = 0;
    const checkpoints = new CoalescedCheckpoints(() => Promise.reject(new Error(`stopped ${(attempts += 1)}`)), DELAY_MS);
    checkpoints.reset(0);
    checkpoints.want(5);
    await checkpoints.flush();
    expect(attempts).toBe(1);
  });
});
