/** MailDev's REST API, read the way a person reads the mailbox UI. */
export interface MailboxMessage {
  id: string;
  subject: string;
  text?: string;
  html?: string;
  to: { address: string; name?: string }[];
  headers: Record<string, string>;
}

export async function listMail(mailboxUrl: string): Promise<MailboxMessage[]> {
  const res = await fetch(`${mailboxUrl}/api/email`);
  if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
  return (await res.json()) as MailboxMessage[];
}

export async function mailTo(mailboxUrl: string, address: string): Promise<MailboxMessage[]> {
  const all = await listMail(mailboxUrl);
  return all.filter((m) => m.to.some((t) => t.address.toLowerCase() === address.toLowerCase()));
}

/** Polls until `address` has at least `count` messages (or the time is up). */
export async function waitForMail(mailboxUrl: string, address: string, count = 1, timeoutMs = 30_000): Promise<MailboxMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await mailTo(mailboxUrl, address);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}
