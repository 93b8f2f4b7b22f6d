// Listings decode their dumps with the rt-* codec straight off the socket. The spec layer's Family
// does the same, but its module brings the spec loader (a YAML parser, the validator) and the
// nlctrl client with it: some 20 ms of module loading that `nlkit route show` would pay for a
// dump whose request this layer writes itself. Changes (do requests) go through Family.
import { familyCodec } from '../spec/compile.js';
import type { DecodedObject, FamilyCodec, FamilySpec } from '../spec/index.js';
import type { NetlinkSocket } from '../socket/index.js';
import { NLMSG_HDRLEN, type MessageBatch } from '../wire/index.js';

/** A spec's codec (names: camel): the one its family objects use too. */
export function codecOf(spec: FamilySpec): FamilyCodec {
  return familyCodec(spec, 'camel');
}

/** An operation's dump, datagram by datagram, as the socket frames it. */
export async function* dumpBatches(socket: NetlinkSocket, spec: FamilySpec, opName: string, request: object): AsyncGenerator<MessageBatch> {
  const op = spec.operationsByName.get(opName);
  const type = op?.dump?.request?.value ?? op?.requestValue;
  if (!op?.dump || type === undefined) throw new TypeError(`${spec.name} has no ${opName} dump`);
  const codec = codecOf(spec);
  let namer: ((depth: number, type: number, path: number[]) => string | undefined) | undefined;
  const stream = socket.dump(
    { type, write: (w) => codec.encodeMessage(w, op, request) },
    {
      label: `${spec.name} ${op.name} dump`,
      headerSize: codec.headerSize(op),
      attributeName: (depth, t, path) => (namer ??= codec.attributeNamer(op, request))(depth, t, path),
    },
  );
  yield* stream.batches();
}

/** An operation's dump as Family.dump gives it: the objects each datagram brought, decoded. */
export async function* dumpObjects(socket: NetlinkSocket, spec: FamilySpec, opName: string, request: object): AsyncGenerator<DecodedObject[]> {
  const op = spec.operationsByName.get(opName)!;
  const codec = codecOf(spec);
  for await (const batch of dumpBatches(socket, spec, opName, request)) yield codec.decodeMessages(op, batch.datagram.view, batch.offsets, NLMSG_HDRLEN);
}
