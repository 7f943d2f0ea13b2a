import net from 'node:net';

/**
 * A TCP proxy in front of a real SMTP server that greets the first `refuse` connections with
 * `421 4.3.2 Service not available` and hangs up, then pipes every later connection through.
 * A test fixture standing in for a busy mail server, not a mock of SMTP.
 */
export async function startRefusingSmtpProxy(target: { host: string; port: number }, refuse: number): Promise<{ url: string; refused: () => number; close: () => Promise<void> }> {
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (refused < refuse) {
      refused++;
      client.end('421 4.3.2 Service not available, try again later\r\n');
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
