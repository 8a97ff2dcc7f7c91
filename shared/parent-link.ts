// A child that its parent started with an IPC channel (`drover up` starts the hub and the local
// agent so) stops when that parent goes away, by kill -9 too: the kernel closes the channel and
// Node emits 'disconnect'. Without it, an orphaned hub and agent ran on after `drover up` died,
// holding their ports, the board's containers and the terminal's output.

/** Calls fn once if this process's parent channel closes; a no-op without one. Returns an undo. */
export function onParentGone(fn: () => void): () => void {
  const channel = process.channel;
  if (!channel) return () => {};
  // The channel alone must not keep this process alive once its work is done.
  channel.unref();
  process.once('disconnect', fn);
  return () => {
    process.off('disconnect', fn);
  };
}
