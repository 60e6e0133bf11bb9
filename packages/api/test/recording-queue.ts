/** A queue binding that records what it is given (the queue itself, not our code, is stood in for). */
export function recordingQueue<Body>() {
  const sent: Body[] = [];
  const batches: number[] = [];
  const queue = {
    send: async (body: Body) => void sent.push(body),
    sendBatch: async (messages: Iterable<MessageSendRequest<Body>>) => {
      const bodies = [...messages].map((message) => message.body);
      batches.push(bodies.length);
      sent.push(...bodies);
    },
  } as unknown as Queue<Body>;
  return { queue, sent, batches };
}
