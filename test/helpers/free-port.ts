// A port nothing listens on now (the kernel's pick), for a server a test or benchmark starts:
// a random guess may be taken, and a cluster or app a killed run left behind is never in the way.
import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
