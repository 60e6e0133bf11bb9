// The peer: IPX (the sharp-based optimizer behind Nuxt Image) serving the files of IPX_DIR on a free loopback
// port, as its own Node process so the load generator does not share its event loop. Prints {"port": N} once
// listening. Started by peer.mjs.
import { createServer } from 'node:http';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const ipx = createIPX({ storage: ipxFSStorage({ dir: process.env.IPX_DIR }) });
const server = createServer(createIPXNodeServer(ipx));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
