// One stream connection of bench:release: when each stage of each plan became visible to an SDK, i.e.
// when a patch (or, after a gap, a snapshot) first carried the stage's rollout. A stage is "applied"
// for a user only then: after its transaction committed and the change notice went out.
import WebSocket from 'ws';

type FlagLike = { fallthrough?: { rollout?: { variations?: { variation: number; weight: number }[] } } } | null;

export type StageWatcher = {
  /** Epoch ms (this machine's clock) when `flagKey` was first seen serving `variation` to `percentage` %; undefined: never. */
  seenAt(flagKey: string, percentage: number): number | undefined;
  /** Resyncs asked for (a patch whose fromVersion was above the watcher's version: a change notice it never got). */
  resyncs(): number;
  /** The close code when the server closed the stream (it then saw nothing more); null while open. */
  closedWith(): number | null;
  close(): void;
};

export async function watchStages(replicaUrl: string, sdkKey: string, variation: number): Promise<StageWatcher> {
  const seen = new Map<string, number>();
  let version = 0;
  let resyncs = 0;
  let closedWith: number | null = null;
  const record = (flags: Record<string, FlagLike>, t: number) => {
    for (const [key, flag] of Object.entries(flags)) {
      const slice = flag?.fallthrough?.rollout?.variations?.find((v) => v.variation === variation);
      if (!slice) continue;
      const id = `${key}@${slice.weight}`;
      if (!seen.has(id)) seen.set(id, t);
    }
  };
  const socket = new WebSocket(`${replicaUrl.replace(/^http/, 'ws')}/sdk/stream`, {
    headers: { authorization: `Bearer ${sdkKey}` },
    perMessageDeflate: false,
  });
  socket.on('message', (data) => {
    const t = Date.now();
    const message = JSON.parse(data.toString()) as Record<string, any>;
    if (message.type === 'snapshot') {
      version = message.snapshot.version;
      record(message.snapshot.flags, t);
    } else if (message.type === 'patch') {
      if (message.version <= version) return;
      if (message.fromVersion > version) {
        resyncs++;
        socket.send('{"type":"resync"}');
        return;
      }
      version = message.version;
      record(message.flags, t);
    } else if (message.type === 'ping') {
      socket.send(`{"type":"pong","t":${Number(message.t)}}`);
    }
  });
  socket.on('close', (code) => (closedWith ??= code));
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`the stage watcher's stream closed (${code}) before its snapshot`)));
  });
  return {
    seenAt: (flagKey, percentage) => seen.get(`${flagKey}@${Math.round(percentage * 1000)}`),
    resyncs: () => resyncs,
    closedWith: () => closedWith,
    close: () => {
      closedWith ??= 1000;
      socket.terminate();
    },
  };
}
